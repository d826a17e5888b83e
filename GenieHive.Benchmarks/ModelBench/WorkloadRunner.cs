using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Benchmarks.Cli;

namespace GenieHive.Benchmarks.ModelBench;

/// <summary>
/// Runs a workload's cases one at a time against a GenieHive base URL (benchmarks.md "Runner") and groups them by
/// the service that answered (<c>X-GenieHive-Service-Id</c>, D15). A transport error or non-2xx aborts the run.
/// </summary>
internal sealed class WorkloadRunner(HttpClient http, string apiKey, TextWriter progress)
{
    public const string ServiceIdHeader = "X-GenieHive-Service-Id";

    /// <summary>Send chat cases as SSE streams and take TTFT from the first content event (off by default: the spec's runner is non-streaming).</summary>
    public bool Stream { get; init; }

    public async Task<List<CaseResult>> RunAsync(Workload workload, string model, CancellationToken ct)
    {
        var results = new List<CaseResult>();
        for (var i = 0; i < workload.Cases.Length; i++)
        {
            var @case = workload.Cases[i];
            var result = workload.Operation switch
            {
                "chat" => await RunChatAsync(workload, @case, model, ct),
                "embeddings" => await RunEmbeddingsAsync(@case, model, ct),
                _ => await RunTranscriptionAsync(@case, model, i, ct),
            };
            results.Add(result);
            await progress.WriteLineAsync(
                $"[{i + 1}/{workload.Cases.Length}] {@case.Id}: {(result.Passed ? "pass" : "EMPTY")} {result.LatencyMs:F1} ms via {result.ServiceId}");
        }

        return results;
    }

    private async Task<CaseResult> RunChatAsync(Workload workload, WorkloadCase @case, string model, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = workload.SystemPrompt },
                new JsonObject { ["role"] = "user", ["content"] = @case.Prompt }),
            ["max_tokens"] = 120,
        };
        if (workload.ExtraBody is not null && JsonNode.Parse(workload.ExtraBody) is JsonObject extra)
        {
            foreach (var (key, value) in extra.ToList())
            {
                extra.Remove(key);
                body[key] = value;
            }
        }

        if (Stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        using var request = Post("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var started = Stopwatch.GetTimestamp();
        using var response = await SendAsync(request, ct);
        var serviceId = AnsweringService(response, model);
        return Stream
            ? await ReadChatStreamAsync(response, @case.Id, serviceId, started, ct)
            : ReadChatJson(await ReadJsonAsync(response, ct), @case.Id, serviceId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    internal static CaseResult ReadChatJson(JsonNode? json, string caseId, string serviceId, double latencyMs)
    {
        var usage = json?["usage"];
        var completion = Long(usage?["completion_tokens"]);
        var timings = json?["timings"];
        var ttft = Number(timings?["prompt_ms"]);
        var tps = Number(timings?["predicted_per_second"]);
        var predictedMs = Number(timings?["predicted_ms"]);
        if (tps is null && completion > 0 && predictedMs is > 0)
        {
            tps = completion * 1000 / predictedMs.Value;
        }

        var message = (json?["choices"] as JsonArray)?.FirstOrDefault()?["message"];
        var passed = IsVisible(message?["content"]) || IsVisible(message?["reasoning_content"]);
        return new CaseResult(caseId, serviceId, latencyMs, Long(usage?["prompt_tokens"]), completion, ttft, tps, passed);
    }

    private static async Task<CaseResult> ReadChatStreamAsync(HttpResponseMessage response, string caseId, string serviceId,
        long started, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var content = new StringBuilder();
        double? ttft = null;
        long prompt = 0, completion = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line[5..].TrimStart();
            if (data == "[DONE]")
            {
                break;
            }

            JsonNode? chunk;
            try
            {
                chunk = JsonNode.Parse(data);
            }
            catch (JsonException)
            {
                continue;
            }

            if (chunk?["error"] is JsonObject error)
            {
                throw new CliException($"stream failed: {error["message"]}", 1);
            }

            var delta = (chunk?["choices"] as JsonArray)?.FirstOrDefault()?["delta"]?["content"];
            if (delta is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0)
            {
                ttft ??= Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                content.Append(text);
            }

            if (chunk?["usage"] is JsonObject usage)
            {
                prompt = Long(usage["prompt_tokens"]);
                completion = Long(usage["completion_tokens"]);
            }
        }

        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        double? tps = ttft is not null && completion > 1 && latency > ttft
            ? (completion - 1) * 1000 / (latency - ttft.Value)
            : null;
        return new CaseResult(caseId, serviceId, latency, prompt, completion, ttft, tps, content.ToString().Trim().Length > 0);
    }

    private async Task<CaseResult> RunEmbeddingsAsync(WorkloadCase @case, string model, CancellationToken ct)
    {
        var inputs = @case.Prompt.Split('\n');
        var body = new JsonObject { ["model"] = model, ["input"] = new JsonArray([.. inputs.Select(i => (JsonNode)i)]) };
        using var request = Post("/v1/embeddings", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var started = Stopwatch.GetTimestamp();
        using var response = await SendAsync(request, ct);
        var json = await ReadJsonAsync(response, ct);
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var data = json?["data"] as JsonArray;
        var lengths = data?.Select(d => (d?["embedding"] as JsonArray)?.Count ?? -1).ToArray() ?? [];
        var passed = lengths.Length == inputs.Length && lengths.All(l => l > 0 && l == lengths[0]);
        var usage = json?["usage"];
        return new CaseResult(@case.Id, AnsweringService(response, model), latency, Long(usage?["prompt_tokens"]), 0, null, null, passed);
    }

    private async Task<CaseResult> RunTranscriptionAsync(WorkloadCase @case, string model, int index, CancellationToken ct)
    {
        var form = new MultipartFormDataContent();
        var audio = new ByteArrayContent(WavClip.Tone(index + 1));
        audio.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(audio, "file", $"{@case.Id}.wav");
        form.Add(new StringContent(model), "model");
        form.Add(new StringContent("json"), "response_format");
        using var request = Post("/v1/audio/transcriptions", form);
        var started = Stopwatch.GetTimestamp();
        using var response = await SendAsync(request, ct);
        var json = await ReadJsonAsync(response, ct);
        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new CaseResult(@case.Id, AnsweringService(response, model), latency, 0, 0, null, null, IsVisible(json?["text"]));
    }

    private HttpRequestMessage Post(string path, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path.TrimStart('/'), UriKind.Relative)) { Content = content };
        request.Headers.Add("X-Api-Key", apiKey);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"{request.Method} {new Uri(http.BaseAddress!, request.RequestUri!)} failed: {ex.Message}", 1);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"{request.Method} {new Uri(http.BaseAddress!, request.RequestUri!)} timed out", 1);
        }

        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var message = ErrorMessage(text);
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new CliException($"{request.Method} {request.RequestUri} answered {status}: {message}", 1);
        }

        return response;
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        }
        catch (JsonException ex)
        {
            throw new CliException($"the response was not JSON: {ex.Message}", 1);
        }
    }

    internal static string ErrorMessage(string body)
    {
        try
        {
            if (JsonNode.Parse(body)?["error"]?["message"] is JsonValue m && m.TryGetValue<string>(out var s))
            {
                return s;
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 200 ? body[..200] : body;
    }

    private static string AnsweringService(HttpResponseMessage response, string model) =>
        response.Headers.TryGetValues(ServiceIdHeader, out var values) && values.FirstOrDefault() is { Length: > 0 } id
            ? Uri.UnescapeDataString(id)
            : model;

    private static bool IsVisible(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) && s.Trim().Length > 0;

    private static long Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)v.GetValue<double>() : 0;

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}
