using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// A real control plane and two node agents that each serve the generated llama model through llama.cpp: what a
/// client of GenieHive sees, failover on a full queue included.
/// </summary>
public sealed class ThroughControlPlaneTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    private const string ServiceA = "a-host/chat/tiny-llama";
    private const string ServiceB = "b-host/chat/tiny-llama";

    private static string NodeYaml(string hostId, Uri control, string model) => $$"""
        node: { host_id: "{{hostId}}", listen_port: 0 }
        control_plane: { base_url: "{{control.ToString().TrimEnd('/')}}", node_api_key: "{{ControlPlaneHost.NodeKey}}", heartbeat_interval_s: 0.1 }
        runtimes:
          - { id: "gguf", engine: "llamacpp", paths: ["{{model}}"], parallel: 1, queue: 0, preload: true }
        """;

    private async Task<(ControlPlaneHost Control, NodeAgentHost A, NodeAgentHost B)> StartAsync()
    {
        var control = await ControlPlaneHost.StartAsync();
        var a = await NodeAgentHost.StartAsync(NodeYaml("a-host", control.Kestrel.BaseAddress, models.Tiny));
        var b = await NodeAgentHost.StartAsync(NodeYaml("b-host", control.Kestrel.BaseAddress, models.Tiny));
        // Both registered with their model loaded (preload), as the heartbeats report it.
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var services = (await control.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
                .Where(s => s.GetProperty("assets").EnumerateArray().Any(x => x.GetProperty("loaded").GetBoolean()))
                .Select(s => s.GetProperty("service_id").GetString()).ToHashSet();
            if (services.Contains(ServiceA) && services.Contains(ServiceB))
            {
                return (control, a, b);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the agents did not register their loaded models");
            await Task.Delay(50);
        }
    }

    private static StringContent Chat(string extra) => RuntimeAgent.Json(
        $$"""{"model":"tiny-llama","temperature":0,"messages":[{"role":"user","content":"what did the cat do"}]{{extra}}}""");

    private static string Content(JsonElement completion) =>
        completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task Chat_through_the_control_plane_honours_max_tokens_seed_and_stop_and_streams_valid_sse_with_usage()
    {
        var (control, a, b) = await StartAsync();
        await using var _ = control;
        await using var __ = a;
        await using var ___ = b;
        using var client = control.Client();

        using var first = await client.PostAsync("/v1/chat/completions", Chat(""","max_tokens":16,"seed":3"""));
        var firstBody = await ControlPlaneHost.ReadJsonAsync(first);
        using var second = await client.PostAsync("/v1/chat/completions", Chat(""","max_tokens":16,"seed":3"""));
        var secondBody = await ControlPlaneHost.ReadJsonAsync(second);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(ServiceA, first.Headers.GetValues("X-GenieHive-Service-Id").Single());
        Assert.Equal("length", firstBody.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(16, firstBody.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(Content(firstBody), Content(secondBody));

        var full = Content(firstBody);
        var stop = full.Substring(full.Length / 2, 3);
        using var stopped = await client.PostAsync("/v1/chat/completions", Chat($$""","max_tokens":16,"seed":3,"stop":"{{stop}}" """));
        var stoppedBody = await ControlPlaneHost.ReadJsonAsync(stopped);
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], Content(stoppedBody));
        Assert.Equal("stop", stoppedBody.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        using var streamed = await client.PostAsync("/v1/chat/completions",
            Chat(""","max_tokens":16,"seed":3,"stream":true,"stream_options":{"include_usage":true}"""));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal("text/event-stream", streamed.Content.Headers.ContentType!.MediaType);
        var text = await streamed.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        var chunks = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[..^1]
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        var pieces = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Where(d => d.TryGetProperty("content", out var p) && p.GetString()!.Length > 0)
            .Select(d => d.GetProperty("content").GetString()!).ToList();
        var usage = chunks.Single(c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage");
        Assert.Equal(pieces.Count, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(16, pieces.Count);
        Assert.Equal(full, string.Concat(pieces));
    }

    [Fact]
    public async Task A_full_queue_answers_429_and_the_control_plane_fails_over_to_the_other_service_of_the_model()
    {
        var (control, a, b) = await StartAsync();
        await using var _ = control;
        await using var __ = a;
        await using var ___ = b;

        // Fill A's only slot with a long generation straight at its endpoint.
        using var direct = new HttpClient { BaseAddress = new Uri(a.Services.GetRequiredService<RuntimeServices>().Find("tiny-llama")!.Endpoint.Url) };
        using var hold = new CancellationTokenSource();
        using var longRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = RuntimeAgent.Json("""{"model":"tiny-llama","stream":true,"max_tokens":1900,"messages":[{"role":"user","content":"go on"}]}"""),
        };
        using var busy = await direct.SendAsync(longRequest, HttpCompletionOption.ResponseHeadersRead, hold.Token);
        await using var busyStream = await busy.Content.ReadAsStreamAsync(hold.Token);
        Assert.Equal(1, await busyStream.ReadAsync(new byte[1], hold.Token));

        using var client = control.Client();
        using var response = await client.PostAsync("/v1/chat/completions", Chat(""","max_tokens":4"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A comes first in the direct order (service id); it answered 429, so B answered.
        Assert.Equal(ServiceB, response.Headers.GetValues("X-GenieHive-Service-Id").Single());
        var services = (await control.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
            .ToDictionary(s => s.GetProperty("service_id").GetString()!);
        var live = services[ServiceA].GetProperty("live");
        Assert.Equal("cooling_down", live.GetProperty("reason").GetString());
        Assert.Equal(0, live.GetProperty("consecutive_failures").GetInt32());

        // The agent's memory accounting reaches the control plane: A's loaded model holds resident memory, within the
        // node's default RAM budget.
        var observedA = services[ServiceA].GetProperty("observed");
        var used = observedA.GetProperty("memory_used_bytes").GetInt64();
        Assert.True(used > 0 && used < observedA.GetProperty("memory_budget_bytes").GetInt64(), observedA.GetRawText());
        await hold.CancelAsync();
    }
}
