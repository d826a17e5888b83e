using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// Model lifecycle on a node (docs/runtimes.md "Lifecycle"): loads on demand and shared, idle unload, the memory
/// budget's least-recently-used eviction and refusal, the load timeout, and the <c>process</c> engine, all with real
/// child processes.
/// </summary>
public sealed class LifecycleTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    private const string Hello = """{"model":"MODEL","max_tokens":2,"temperature":0,"messages":[{"role":"user","content":"hi"}]}""";

    internal static StringContent Chat(string model) => RuntimeAgent.Json(Hello.Replace("MODEL", model, StringComparison.Ordinal));

    /// <summary>The agent's own binary as a YAML double-quoted command that runs one simulated server (<c>--simulate</c>).</summary>
    internal static string SimulateCommand(string spec = "{ id: s, kind: chat, models: [{asset_id}], port: {port}, ttft_ms: 0 }", string prefix = "")
    {
        var binary = Path.Combine(AppContext.BaseDirectory, "GenieHive.NodeAgent");
        return Quote($"{prefix}'{binary}' --simulate '{spec}'");
    }

    internal static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    internal static async Task<NodeAgentHost> StartAsync(string runtimes, FakeTimeProvider? time = null, string extra = "") =>
        await NodeAgentHost.StartAsync($$"""
            node: { host_id: "life-host", listen_port: 0 }
            {{extra}}
            runtimes:
            {{runtimes}}
            """, builder =>
        {
            if (time is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(time);
            }
        });

    internal static RuntimeService Find(NodeAgentHost agent, string assetId) => agent.Services.GetRequiredService<RuntimeServices>().Find(assetId)!;

    private static HttpClient ClientOf(RuntimeService service) => new() { BaseAddress = new Uri(service.Endpoint.Url) };

    private static async Task AssertExitsAsync(int pid)
    {
        Process process;
        try
        {
            process = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return;
        }

        using (process)
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
        }
    }

    internal static async Task<JsonElement> ErrorOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

    [Fact]
    public async Task Two_concurrent_first_requests_share_exactly_one_load()
    {
        await using var agent = await StartAsync($$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"] }""");
        var service = Find(agent, "tiny-llama");
        using var client = ClientOf(service);
        Assert.False(service.Loaded);

        var first = client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        var second = client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        using var a = await first;
        using var b = await second;

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(1, service.LoadCount);
        Assert.True(service.Loaded);
    }

    /// <summary>The client can have the whole response a moment before the endpoint has counted the request ended.</summary>
    private static async Task RequestsEndedAsync(GenieHive.NodeAgent.Runtimes.RuntimeService service)
    {
        var ended = Stopwatch.StartNew();
        while (service.Endpoint.InFlight > 0 && ended.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_model_idle_for_idle_unload_s_is_unloaded_its_process_ends_and_the_next_request_loads_it_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        await using var agent = await StartAsync($$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"], idle_unload_s: 30 }""", time);
        var service = Find(agent, "tiny-llama");
        using var client = ClientOf(service);
        using (var served = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama")))
        {
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        var pid = service.Report().Runtime["pid"]!.GetValue<int>();
        Assert.True(service.Loaded);

        await RequestsEndedAsync(service);
        time.Advance(TimeSpan.FromSeconds(31));
        await AssertExitsAsync(pid);

        // The process can be seen gone a moment before the unload has recorded it: wait for the recorded state.
        var settled = Stopwatch.StartNew();
        while (service.Report().State.LoadState != "unloaded" && settled.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.False(service.Loaded);
        var report = service.Report();
        Assert.Equal("unloaded", report.State.LoadState);
        Assert.False(report.Assets[0].Loaded);
        // Unloaded again: the control plane allows the next request the load timeout for its first byte.
        Assert.Equal(120, report.Runtime["first_byte_timeout_s"]!.GetValue<double>());
        using var again = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.NotEqual(pid, service.Report().Runtime["pid"]!.GetValue<int>());
        Assert.Equal(2, service.LoadCount);
    }

    [Fact]
    public async Task The_budget_evicts_the_least_recently_used_idle_model_and_refuses_one_that_cannot_fit()
    {
        // One runtime host's measured memory on this machine, so the budget below holds two of them but not three.
        long measured;
        await using (var probe = await StartAsync($$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"] }"""))
        {
            var one = Find(probe, "tiny-llama");
            using var client = ClientOf(one);
            using var served = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
            measured = one.MeasuredBytes!.Value;
        }

        using var dir = new TempDirectory();
        foreach (var name in new[] { "model-a", "model-b", "model-c" })
        {
            File.Copy(models.Tiny, Path.Combine(dir.Path, name + ".gguf"));
        }

        var budgetGb = measured * 2.5 / (1L << 30);
        await using var agent = await StartAsync($$"""
              - { id: "gguf", engine: "llamacpp", paths: ["{{dir.Path}}"] }
              - { id: "big", engine: "llamacpp", paths: ["{{models.Tiny}}"], memory_mb: 1000000 }
            """, extra: $"runtime_budget: {{ ram_gb: {budgetGb.ToString(System.Globalization.CultureInfo.InvariantCulture)} }}");
        var (a, b, c) = (Find(agent, "model-a"), Find(agent, "model-b"), Find(agent, "model-c"));
        using var clientA = ClientOf(a);
        using var clientB = ClientOf(b);
        using var clientC = ClientOf(c);

        Assert.Equal(HttpStatusCode.OK, (await clientA.PostAsync("/v1/chat/completions", Chat("model-a"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await clientB.PostAsync("/v1/chat/completions", Chat("model-b"))).StatusCode);
        Assert.True(a.Loaded && b.Loaded);
        // A is used after B: B is now the least recently used.
        Assert.Equal(HttpStatusCode.OK, (await clientA.PostAsync("/v1/chat/completions", Chat("model-a"))).StatusCode);
        var pidB = b.Report().Runtime["pid"]!.GetValue<int>();

        Assert.Equal(HttpStatusCode.OK, (await clientC.PostAsync("/v1/chat/completions", Chat("model-c"))).StatusCode);

        Assert.True(a.Loaded);
        Assert.False(b.Loaded);
        Assert.True(c.Loaded);
        await AssertExitsAsync(pidB);
        var observed = c.Report().Observed;
        Assert.True(observed.MemoryUsedBytes <= observed.MemoryBudgetBytes);

        // A model larger than the whole budget: nothing is evicted for it, and it is refused.
        using var bigClient = ClientOf(Find(agent, "tiny-llama"));
        using var refused = await bigClient.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("insufficient_memory", (await ErrorOf(refused)).GetProperty("code").GetString());
        Assert.True(a.Loaded && c.Loaded);
    }

    [Fact]
    public async Task A_load_slower_than_the_load_timeout_answers_503_model_load_timeout_and_stops_the_process()
    {
        await using var agent = await StartAsync($$"""
              - { id: "slow", engine: "process", kind: "chat", paths: ["{{models.Tiny}}"], command: "sleep 60", load_timeout_s: 0.5 }
            """);
        var service = Find(agent, "tiny-llama");
        using var client = ClientOf(service);

        using var response = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("model_load_timeout", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.False(service.Loaded);
        Assert.Equal("failed", service.Report().State.LoadState);
    }

    [Fact]
    public async Task The_process_engine_serves_through_an_external_server_stops_it_when_idle_and_restarts_it_on_demand()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        await using var agent = await StartAsync($$"""
              - { id: "ext", engine: "process", paths: ["{{models.Tiny}}"], command: {{SimulateCommand()}}, idle_unload_s: 10 }
            """, time);
        var service = Find(agent, "tiny-llama");
        using var client = ClientOf(service);
        Assert.Equal("process", service.Report().Runtime["engine"]!.GetValue<string>());

        using var served = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var body = JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("tiny-llama", body.GetProperty("model").GetString());
        Assert.StartsWith("Simulated", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        var pid = service.Report().Runtime["pid"]!.GetValue<int>();
        Assert.True(service.Report().Runtime["memory_bytes"]!.GetValue<long>() > 0);

        await RequestsEndedAsync(service);
        time.Advance(TimeSpan.FromSeconds(11));
        await AssertExitsAsync(pid);
        Assert.False(service.Loaded);

        using var again = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.NotEqual(pid, service.Report().Runtime["pid"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_server_that_exits_at_start_shows_its_last_lines_in_the_services_error()
    {
        await using var agent = await StartAsync($$"""
              - { id: "bad", engine: "process", paths: ["{{models.Tiny}}"], command: {{SimulateCommand("{ id: s, kind: telepathy }")}} }
            """);
        var service = Find(agent, "tiny-llama");
        using var client = ClientOf(service);

        using var response = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var message = (await ErrorOf(response)).GetProperty("message").GetString()!;
        Assert.Contains("exited with code 2 at start", message, StringComparison.Ordinal);
        Assert.Contains("got \\\"telepathy\\\"".Replace("\\", "", StringComparison.Ordinal), message, StringComparison.Ordinal);
        var report = service.Report();
        Assert.Equal("unhealthy", report.State.Health);
        Assert.Contains("telepathy", report.Runtime["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
