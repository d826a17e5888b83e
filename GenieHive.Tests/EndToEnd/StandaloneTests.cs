using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GenieHive.Benchmarks.Gateway;
using GenieHive.Benchmarks.ModelBench;
using GenieHive.Benchmarks.Runtime;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.EndToEnd;

/// <summary>
/// The built control plane and node agent as plain processes (no Aspire) from YAML on loopback ports, as
/// production runs them, driven over HTTP and by geniehive-bench.
/// </summary>
[Collection(nameof(StandaloneCollection))]
public sealed class StandaloneTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static HttpRequestMessage Post(StandaloneCluster cluster, string path, string json) =>
        new(HttpMethod.Post, new Uri(cluster.ControlUrl, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", StandaloneCluster.ClientKey) },
        };

    [Fact]
    public async Task Standalone_processes_register_and_route_chat_and_embeddings()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var cluster = await StandaloneCluster.StartAsync(Http, TextWriter.Null, cts.Token);

        using var chat = await Http.SendAsync(Post(cluster, "v1/chat/completions",
            $$"""{"model":"{{StandaloneCluster.ChatRole}}","messages":[{"role":"user","content":"hi"}]}"""), cts.Token);
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Equal("bench-node", chat.Headers.GetValues("X-GenieHive-Host-Id").Single());
        Assert.Equal($"role:{StandaloneCluster.ChatRole}", chat.Headers.GetValues("X-GenieHive-Route").Single());

        using var embeddings = await Http.SendAsync(Post(cluster, "v1/embeddings",
            $$"""{"model":"{{StandaloneCluster.EmbeddingsModel}}","input":"hello"}"""), cts.Token);
        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        using var doc = JsonDocument.Parse(await embeddings.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(384, doc.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public async Task Bench_run_and_ingest_change_the_next_route_match_ranking()
    {
        // Two services of one model; b answers first (lower TTFT), so the benchmark sample lands on b.
        const string simulated = """
              - { id: "chat-a", kind: "chat", models: ["shared-sim"], ttft_ms: 30, tokens_per_s: 1000, completion_tokens: 8 }
              - { id: "chat-b", kind: "chat", models: ["shared-sim"], ttft_ms: 1, tokens_per_s: 1000, completion_tokens: 8 }
              - { id: "embed", kind: "embeddings", models: ["e-sim"], ttft_ms: 0 }
            """;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var cluster = await StandaloneCluster.StartAsync(Http, TextWriter.Null, simulated, StandaloneCluster.DefaultRoles, cts.Token);
        const string a = "bench-node/chat/chat-a", b = "bench-node/chat/chat-b";
        await WaitUntilBothRoutableAsync(cluster, a, b, cts.Token);

        async Task<string[]> RankingAsync()
        {
            using var response = await Http.SendAsync(Post(cluster, "v1/cluster/routes/match",
                """{"workloads":["chat.short_reasoning"],"kind":"chat","limit":10}"""), cts.Token);
            response.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cts.Token));
            return [.. doc.RootElement.GetProperty("candidates").EnumerateArray()
                .Where(c => c.GetProperty("candidate_type").GetString() == "service")
                .Select(c => c.GetProperty("candidate_id").GetString()!)];
        }

        Assert.Equal([a, b], await RankingAsync());

        using var dir = new TempDirectory();
        var report = dir.Combine("report.json");
        var runCode = await ModelBenchCommands.RunAsync(
            ["--base-url", cluster.ControlUrl.ToString(), "--api-key", StandaloneCluster.ClientKey,
             "--model", "shared-sim", "--workload", "chat.short_reasoning", "--output", report],
            TextWriter.Null, TextWriter.Null, cts.Token);
        Assert.Equal(0, runCode);
        using (var written = JsonDocument.Parse(await File.ReadAllTextAsync(report, cts.Token)))
        {
            Assert.Equal(b, written.RootElement.GetProperty("samples")[0].GetProperty("service_id").GetString());
        }

        var ingested = new StringWriter();
        var ingestCode = await ModelBenchCommands.IngestAsync(
            [report, "--base-url", cluster.ControlUrl.ToString(), "--api-key", StandaloneCluster.ClientKey], ingested, cts.Token);
        Assert.Equal(0, ingestCode);
        Assert.Contains("\"count\": 1", ingested.ToString(), StringComparison.Ordinal);

        Assert.Equal([b, a], await RankingAsync());
    }

    [Fact]
    public async Task Gateway_benchmark_smoke_run_produces_a_complete_table_and_report()
    {
        using var dir = new TempDirectory();
        var output = dir.Combine("gateway.json");
        var stdout = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await GatewayCommand.RunAsync(["--smoke", "--output", output], stdout, TextWriter.Null, cts.Token);

        Assert.Equal(0, code);
        var table = stdout.ToString();
        foreach (var kind in new[] { "chat ", "chat-stream", "embeddings" })
        {
            foreach (var loop in new[] { "c=1 ", "c=16", "rate=50" })
            {
                Assert.Contains(table.Split('\n'), line => line.StartsWith(kind, StringComparison.Ordinal) && line.Contains(loop, StringComparison.Ordinal) && line.Contains("direct", StringComparison.Ordinal));
            }
        }

        Assert.Equal(9, table.Split('\n').Count(l => l.Contains(" through ", StringComparison.Ordinal)));
        Assert.Equal(9, table.Split('\n').Count(l => l.Contains(" ratio ", StringComparison.Ordinal)));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output, cts.Token));
        Assert.Equal(18, json.RootElement.GetProperty("runs").GetArrayLength());
        Assert.Equal(9, json.RootElement.GetProperty("comparisons").GetArrayLength());
        Assert.All(json.RootElement.GetProperty("runs").EnumerateArray(), r => Assert.True(r.GetProperty("rps").GetDouble() > 0));
        Assert.True(json.RootElement.GetProperty("control_idle_rss_bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Runtime_benchmark_short_run_reports_every_path_of_the_tiny_model_and_minilm()
    {
        var stdout = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await GenieHive.Benchmarks.Runtime.RuntimeCommand.RunAsync(
            ["--models", "tiny", "--requests", "2", "--max-tokens", "4", "--ttft-requests", "2", "--embedding-requests", "2", "--warmup", "1", "--threads", "1"],
            stdout, TextWriter.Null, cts.Token);

        Assert.Equal(0, code);
        var lines = stdout.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("bench-tiny", StringComparison.Ordinal) && l.Contains(" direct ", StringComparison.Ordinal));
        Assert.Equal(2, lines.Count(l => l.TrimStart().StartsWith("0.1M  agent", StringComparison.Ordinal) || l.TrimStart().StartsWith("0.1M  geniehive", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("(paired by round)", StringComparison.Ordinal));
        foreach (var path in new[] { "direct", "agent", "geniehive" })
        {
            Assert.Single(lines, l => l.TrimStart().StartsWith(path, StringComparison.Ordinal) && l.Contains(" ms ", StringComparison.Ordinal) && l.Contains("/s", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task Control_plane_and_agent_run_with_inline_io_unless_the_environment_says_otherwise_and_runtime_hosts_keep_what_was_inherited(string? variable)
    {
        using var models = new TempDirectory();
        var model = TinyLlamaModel.Tiny.Write(models.Combine("inline-tiny.gguf"));
        var runtimes = $$"""
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: [{{JsonSerializer.Serialize(model)}}], preload: true, threads: 1 }

            """;
        // Unset (the default) or set to "0"; never whatever this test process happens to carry, and no fixed count of
        // socket-engine threads.
        var environment = new Dictionary<string, string?> { [InlineIo.Variable] = variable, ["DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT"] = null };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var cluster = await StandaloneCluster.StartAsync(Http, TextWriter.Null, StandaloneCluster.DefaultSimulated,
            StandaloneCluster.DefaultRoles, cts.Token, runtimes, environment);
        var host = await RuntimeHostPidAsync(cluster, cts.Token);

        // The socket engine runs one event thread per core with inline completions, else one per 30 cores (x64) or
        // 8 (Arm). On a single core the two counts agree and this part cannot tell them apart.
        var inline = Environment.ProcessorCount;
        var coresPerEngine = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
            is System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm ? 8.0 : 30.0;
        var standard = Math.Max(1, (int)Math.Round(Environment.ProcessorCount / coresPerEngine));
        Assert.Equal(variable is null ? inline : standard, Threads(cluster.Control.Id, SocketThread));
        Assert.Equal(variable is null ? inline : standard, Threads(cluster.Agent.Id, SocketThread));
        Assert.Equal(standard, Threads(host, SocketThread));

        // Configuration is read once: no watcher on the working directory, where the registry's SQLite file lives.
        Assert.Equal(0, Threads(cluster.Control.Id, ".NET File Watch"));
        Assert.Equal(0, Threads(cluster.Agent.Id, ".NET File Watch"));

        // The host was started with the environment the agent inherited, not the agent's own switch.
        var hostEnvironment = File.ReadAllText($"/proc/{host}/environ").Split('\0');
        var expected = variable is null ? null : $"{InlineIo.Variable}={variable}";
        Assert.Equal(expected, hostEnvironment.SingleOrDefault(e => e.StartsWith(InlineIo.Variable + "=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_pinned_runtime_keeps_its_cpus_to_itself_the_agent_and_what_it_starts_run_on_the_others()
    {
        // The last CPU this process may use is the model's; the agent and an unpinned model get the rest.
        var available = CpuAffinity.Available()!;
        var reserved = available[^1];
        int[] rest = [.. available.Where(cpu => cpu != reserved)];
        using var models = new TempDirectory();
        var pinned = TinyLlamaModel.Tiny.Write(models.Combine("pinned-tiny.gguf"));
        var unpinned = TinyLlamaModel.Tiny.Write(models.Combine("free-tiny.gguf"));
        var runtimes = $$"""
            runtimes:
              - { id: "pinned", engine: "llamacpp", paths: [{{JsonSerializer.Serialize(pinned)}}], preload: true, cpus: "{{reserved}}" }
              - { id: "free", engine: "llamacpp", paths: [{{JsonSerializer.Serialize(unpinned)}}], preload: true }

            """;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var cluster = await StandaloneCluster.StartAsync(Http, TextWriter.Null, StandaloneCluster.DefaultSimulated,
            StandaloneCluster.DefaultRoles, cts.Token, runtimes);
        var (pinnedHost, freeHost) = await PollServicesAsync(cluster, services =>
        {
            int? Pid(string assetId) => services.EnumerateArray()
                .Where(s => s.GetProperty("assets").EnumerateArray().Any(a => a.GetProperty("asset_id").GetString() == assetId)
                    && s.GetProperty("runtime").TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
                .Select(s => (int?)s.GetProperty("runtime").GetProperty("pid").GetInt32())
                .FirstOrDefault();
            return Pid("pinned-tiny") is { } a && Pid("free-tiny") is { } b ? (a, b) : ((int, int)?)null;
        }, cts.Token);

        // On a machine with one CPU there is no other to move to: everything shares it (and the agent logs why).
        var agentCpus = rest.Length > 0 ? rest : available;
        Assert.All(ThreadCpus.Of(cluster.Agent.Id), cpus => Assert.Equal(agentCpus, cpus));
        Assert.All(ThreadCpus.Of(pinnedHost), cpus => Assert.Equal([reserved], cpus));
        Assert.All(ThreadCpus.Of(freeHost), cpus => Assert.Equal(agentCpus, cpus));

        // Threads default to the CPUs each host has: the pinned one's list, the unpinned one's the agent's (not the
        // machine's count, which its runtime would otherwise use). The spec is the host's command line.
        Assert.Contains("\"threads\":1,", File.ReadAllText($"/proc/{pinnedHost}/cmdline"), StringComparison.Ordinal);
        var freeThreads = rest.Length > 0 ? rest.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null";
        Assert.Contains($"\"threads\":{freeThreads},", File.ReadAllText($"/proc/{freeHost}/cmdline"), StringComparison.Ordinal);
    }

    private const string SocketThread = ".NET Sockets";

    private static int Threads(int pid, string name) =>
        Directory.GetDirectories($"/proc/{pid}/task").Count(t => File.ReadAllText(Path.Combine(t, "comm")).TrimEnd() == name);

    private static async Task<int> RuntimeHostPidAsync(StandaloneCluster cluster, CancellationToken ct) =>
        await PollServicesAsync(cluster, services =>
        {
            foreach (var service in services.EnumerateArray())
            {
                if (service.GetProperty("runtime").TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
                {
                    return pid.GetInt32();
                }
            }

            return (int?)null;
        }, ct);

    private static Task<bool> WaitUntilBothRoutableAsync(StandaloneCluster cluster, string a, string b, CancellationToken ct) =>
        PollServicesAsync(cluster, services =>
        {
            var routable = services.EnumerateArray()
                .Where(s => s.GetProperty("live").GetProperty("routable").GetBoolean())
                .Select(s => s.GetProperty("service_id").GetString()).ToHashSet();
            return routable.Contains(a) && routable.Contains(b) ? true : (bool?)null;
        }, ct);

    /// <summary>Reads <c>/v1/cluster/services</c> every 100 ms until <paramref name="found"/> returns a value for its <c>data</c>.</summary>
    private static async Task<T> PollServicesAsync<T>(StandaloneCluster cluster, Func<JsonElement, T?> found, CancellationToken ct)
        where T : struct
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (await timer.WaitForNextTickAsync(ct))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.ControlUrl, "v1/cluster/services"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", StandaloneCluster.ClientKey);
            using var response = await Http.SendAsync(request, ct);
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            if (found(doc.RootElement.GetProperty("data")) is { } value)
            {
                return value;
            }
        }

        throw new OperationCanceledException(ct);
    }
}

/// <summary>Process-level tests measure and start processes: they run one at a time, apart from each other.</summary>
[CollectionDefinition(nameof(StandaloneCollection), DisableParallelization = true)]
public sealed class StandaloneCollection;
