using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Simulation;

public sealed class SimulatedChatTests
{
    private const string Yaml = """
        node: { host_id: "sim-host", listen_port: 0 }
        simulated:
          - { id: "chat-a", kind: "chat", models: [{ id: "qwen3-8b-sim", context: 32768, family: "qwen3" }], ttft_ms: 5, tokens_per_s: 0, completion_tokens: 6 }
        """;

    private static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var data = new List<string>();
        foreach (var ev in events)
        {
            Assert.StartsWith("data: ", ev, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', ev);
            data.Add(ev["data: ".Length..]);
        }

        return data;
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Streaming_chat_is_valid_sse_in_the_official_chunk_shape_ending_in_done()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"qwen3-8b-sim","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = await ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(1 + 6 + 1, chunks.Count);
        var id = chunks[0].GetProperty("id").GetString();
        foreach (var chunk in chunks)
        {
            Assert.Equal(id, chunk.GetProperty("id").GetString());
            Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString());
            Assert.True(chunk.GetProperty("created").GetInt64() > 1_700_000_000);
            Assert.Equal("qwen3-8b-sim", chunk.GetProperty("model").GetString());
            var choice = chunk.GetProperty("choices").EnumerateArray().Single();
            Assert.Equal(0, choice.GetProperty("index").GetInt32());
            Assert.True(choice.TryGetProperty("delta", out _));
            Assert.True(choice.TryGetProperty("finish_reason", out _));
            Assert.False(chunk.TryGetProperty("usage", out _));
        }

        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var content = string.Concat(chunks.Skip(1).Take(6).Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(content));
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Max_tokens_below_the_configured_length_ends_with_length_and_include_usage_adds_a_usage_chunk()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.PostAsync("/v1/chat/completions",
            Json("""{"model":"qwen3-8b-sim","stream":true,"max_tokens":2,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"twelve chars"}]}"""));

        var events = await ReadEventsAsync(response);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        var contentChunks = chunks.Count(c => c.GetProperty("choices").GetArrayLength() == 1
            && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) && t.GetString()!.Length > 0);
        Assert.Equal(2, contentChunks);
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(2, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(4, usage.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(6, usage.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Json_chat_carries_usage_and_the_configured_completion_length()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"qwen3-8b-sim","messages":[{"role":"user","content":"hi"}]}"""));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.Equal("assistant", body.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(6, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(2, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(8, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        using var capped = await client.PostAsync("/v1/chat/completions", Json("""{"model":"qwen3-8b-sim","max_tokens":1}"""));
        var cappedBody = await capped.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("length", cappedBody.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(1, cappedBody.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"other"}""", 404, "model_not_found", "model")]
    [InlineData("""{"model":""", 400, "invalid_json", null)]
    [InlineData("""[1]""", 400, "invalid_json", null)]
    [InlineData("""{"messages":[]}""", 400, "invalid_request", "model")]
    [InlineData("""{"model":"qwen3-8b-sim","max_tokens":0}""", 400, "invalid_request", "max_tokens")]
    public async Task Bad_chat_requests_get_the_error_envelope(string body, int status, string code, string? param)
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.PostAsync("/v1/chat/completions", Json(body));
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Health_models_and_other_operations_answer_as_an_openai_server()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("chat-a");

        Assert.Equal("""{"status":"ok"}""", await client.GetStringAsync("/health"));
        var models = await client.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal("qwen3-8b-sim", models.GetProperty("data")[0].GetProperty("id").GetString());
        using var embeddings = await client.PostAsync("/v1/embeddings", Json("""{"model":"qwen3-8b-sim","input":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, embeddings.StatusCode);
        using var wrongMethod = await client.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }

    [Fact]
    public async Task A_request_gets_a_server_span_under_the_callers_traceparent_and_health_probes_none()
    {
        using var spans = new SpanRecorder(GenieHive.NodeAgent.Telemetry.NodeTelemetry.SourceName);
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        var endpoint = new Uri(agent.Simulated("chat-a").Endpoint);
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom();
        var parent = System.Diagnostics.ActivitySpanId.CreateRandom();
        var traceparent = $"traceparent: 00-{traceId.ToHexString()}-{parent.ToHexString()}-01\r\n";

        var (status, _) = await RawHttp.SendAsync(endpoint, "POST", "/v1/chat/completions", traceparent,
            """{"model":"qwen3-8b-sim","messages":[{"role":"user","content":"hi"}]}""");
        var (missing, _) = await RawHttp.SendAsync(endpoint, "POST", "/v1/chat/completions", traceparent,
            """{"model":"nope","messages":[]}""");
        await RawHttp.SendAsync(endpoint, "GET", "/health", traceparent);

        Assert.StartsWith("HTTP/1.1 200", status, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 404", missing, StringComparison.Ordinal);
        var served = spans.OfTrace(traceId);
        Assert.Equal(2, served.Count);
        Assert.All(served, span =>
        {
            Assert.Equal(System.Diagnostics.ActivityKind.Server, span.Kind);
            Assert.Equal(parent, span.ParentSpanId);
            Assert.Equal("POST /v1/chat/completions", span.DisplayName);
            Assert.Equal("sim-host/chat/chat-a", span.GetTagItem("geniehive.service_id"));
            Assert.Equal("simulated", span.GetTagItem("geniehive.engine"));
        });
        Assert.Equal([200, 404], served.Select(s => (int)s.GetTagItem("http.response.status_code")!).Order());
    }

    [Fact]
    public async Task The_last_trace_ids_seen_are_listed_by_the_node_api()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        // Sent over a raw socket: an in-process HttpClient would put its own activity's traceparent on the request.
        var endpoint = new Uri(agent.Simulated("chat-a").Endpoint);
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                $"GET /health HTTP/1.1\r\nHost: {endpoint.Authority}\r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nConnection: close\r\n\r\n"));
            using var reader = new StreamReader(stream);
            Assert.StartsWith("HTTP/1.1 200", await reader.ReadLineAsync(), StringComparison.Ordinal);
            await reader.ReadToEndAsync();
        }

        using var node = agent.CreateClient();
        var traces = await node.GetFromJsonAsync<JsonElement>("/v1/node/simulated/chat-a/traces");

        Assert.Equal("list", traces.GetProperty("object").GetString());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", Assert.Single(traces.GetProperty("data").EnumerateArray()).GetString());
    }
}
