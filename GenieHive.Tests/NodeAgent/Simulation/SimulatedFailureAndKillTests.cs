using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Simulation;

public sealed class SimulatedFailureAndKillTests
{
    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static string Server(string knobs) => $$"""
        node: { host_id: "sim-host", listen_port: 0 }
        simulated:
          - { id: "chat-a", kind: "chat", models: ["m"], ttft_ms: 0, tokens_per_s: 0, completion_tokens: 8, {{knobs}} }
        """;

    [Fact]
    public async Task Status_failures_answer_the_configured_status_with_retry_after_for_503()
    {
        await using var agent = await NodeAgentHost.StartAsync(Server("failure_rate: 1, failure_mode: status, failure_status: 503"));
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"m"}"""));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("server_error", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Reset_failures_close_the_connection_before_any_byte()
    {
        await using var agent = await NodeAgentHost.StartAsync(Server("failure_rate: 1, failure_mode: reset"));
        using var client = agent.SimulatedClient("chat-a");

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("/v1/chat/completions", Json("""{"model":"m"}""")));
    }

    [Fact]
    public async Task Mid_stream_failures_send_half_the_tokens_then_reset()
    {
        await using var agent = await NodeAgentHost.StartAsync(Server("failure_rate: 1, failure_mode: mid_stream"));
        using var client = agent.SimulatedClient("chat-a");

        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json("""{"model":"m","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var received = new System.Text.StringBuilder();
        var ex = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                received.AppendLine(line);
            }
        });

        Assert.IsAssignableFrom<IOException>(ex);
        var contentEvents = received.ToString().Split('\n').Count(l => l.Contains("\"content\":\"", StringComparison.Ordinal) && !l.Contains("\"content\":\"\"", StringComparison.Ordinal));
        Assert.Equal(4, contentEvents);
        Assert.DoesNotContain("[DONE]", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seeded_failure_rate_fails_a_reproducible_share_of_requests()
    {
        async Task<string> RunAsync()
        {
            await using var agent = await NodeAgentHost.StartAsync(Server("failure_rate: 0.5, failure_status: 429, seed: 42"));
            using var client = agent.SimulatedClient("chat-a");
            var outcomes = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"m"}"""));
                outcomes.Add((int)response.StatusCode);
            }

            return string.Join(',', outcomes);
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.Contains("429", first, StringComparison.Ordinal);
        Assert.Contains("200", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_aborts_in_flight_requests_and_refuses_connections_until_revive_reopens_the_same_port()
    {
        await using var agent = await NodeAgentHost.StartAsync(
            "node: { host_id: \"sim-host\", listen_port: 0 }\nsimulated:\n  - { id: \"chat-a\", kind: \"chat\", models: [\"m\"], ttft_ms: 0, tokens_per_s: 2, completion_tokens: 50 }\n");
        var endpoint = agent.Simulated("chat-a").Endpoint;
        using var sim = agent.SimulatedClient("chat-a");
        using var node = agent.CreateClient();
        using var stream = await sim.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json("""{"model":"m","stream":true}""") }, HttpCompletionOption.ResponseHeadersRead);
        var body = await stream.Content.ReadAsStreamAsync();
        var first = new byte[16];
        Assert.True(await body.ReadAsync(first) > 0);

        using var kill = await node.PostAsync("/v1/node/simulated/chat-a/kill", null);
        var killed = await kill.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("unhealthy", killed.GetProperty("service").GetProperty("state").GetProperty("health").GetString());
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            var buffer = new byte[4096];
            while (await body.ReadAsync(buffer) > 0)
            {
            }

            throw new EndOfStreamException("the stream ended cleanly instead of being aborted");
        });
        using var fresh = new HttpClient { BaseAddress = new Uri(endpoint) };
        await Assert.ThrowsAsync<HttpRequestException>(() => fresh.GetAsync("/health"));

        using var revive = await node.PostAsync("/v1/node/simulated/chat-a/revive", null);
        var revived = await revive.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(endpoint, revived.GetProperty("service").GetProperty("endpoint").GetString());
        Assert.Equal("healthy", revived.GetProperty("service").GetProperty("state").GetProperty("health").GetString());
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/health")).StatusCode);
        using var unknown = await node.PostAsync("/v1/node/simulated/nope/kill", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_simulated_server_registers_in_the_as_a_service_shape()
    {
        await using var agent = await NodeAgentHost.StartAsync("""
            node: { host_id: "sim-host", listen_port: 0 }
            simulated:
              - { id: "chat-a", kind: "chat", models: [{ id: "qwen3-8b-sim", context: 32768, family: "qwen3" }, { id: "llama-sim", context: 8192, family: "llama" }], ttft_ms: 120, tokens_per_s: 40, jitter_ms: 30, completion_tokens: 32 }
            """);
        using var node = agent.CreateClient();

        var inventory = await node.GetFromJsonAsync<JsonElement>("/v1/node/inventory");
        var service = inventory.GetProperty("services").EnumerateArray().Single();

        Assert.Equal("sim-host/chat/chat-a", service.GetProperty("service_id").GetString());
        Assert.Equal("openai", service.GetProperty("protocol").GetString());
        Assert.Equal(agent.Simulated("chat-a").Endpoint, service.GetProperty("endpoint").GetString());
        var runtime = service.GetProperty("runtime");
        Assert.Equal("simulated", runtime.GetProperty("engine").GetString());
        Assert.Equal("geniehive-node", runtime.GetProperty("launcher").GetString());
        Assert.Equal(32768, runtime.GetProperty("context_size").GetInt32());
        Assert.Equal("qwen3 llama", runtime.GetProperty("family").GetString());
        Assert.Equal(8192, service.GetProperty("assets")[1].GetProperty("max_context_tokens").GetInt32());
        Assert.Equal("loaded", service.GetProperty("state").GetProperty("load_state").GetString());
        Assert.Equal(120 + 15 + (32 * 1000.0 / 40), service.GetProperty("observed").GetProperty("p50_latency_ms").GetDouble());
        Assert.Equal(40, service.GetProperty("observed").GetProperty("tokens_per_sec").GetDouble());
    }
}
