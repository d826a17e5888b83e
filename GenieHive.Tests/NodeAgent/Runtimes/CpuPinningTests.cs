using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary><c>runtimes[].cpus</c>: the CPU list, its findings, and a runtime host that really runs where it says.</summary>
public sealed class CpuPinningTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    [Theory]
    [InlineData("1", new[] { 1 })]
    [InlineData("0-3", new[] { 0, 1, 2, 3 })]
    [InlineData(" 4-5, 0,2 ,5", new[] { 0, 2, 4, 5 })]
    [InlineData("1023", new[] { 1023 })]
    public void A_cpu_list_takes_numbers_and_ranges_like_taskset(string text, int[] expected)
    {
        Assert.Equal(expected, CpuList.Parse(text, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("", "\"\" is not a CPU number")]
    [InlineData("1,", "\"\" is not a CPU number")]
    [InlineData("a-3", "\"a-3\" is not a CPU number")]
    [InlineData("-1", "\"-1\" is not a CPU number")]
    [InlineData("1024", "\"1024\" is not a CPU number")]
    [InlineData("3-1", "\"3-1\" is a range that ends before it starts")]
    [InlineData("1-2-3", "\"1-2-3\" is not a CPU number")]
    public void A_bad_cpu_list_says_which_part_is_wrong(string text, string reason)
    {
        Assert.Null(CpuList.Parse(text, out var error));
        Assert.StartsWith(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Cpus_is_a_runtimes_key_for_the_agents_own_engines_and_threads_follows_it()
    {
        var result = NodeConfigLoader.Parse($$"""
            node: { host_id: "cpu-host" }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Folder}}"], cpus: "1-2,0" }
              - { id: "minilm", engine: "minilm", cpus: 1 }
              - { id: "bad", engine: "minilm", cpus: "2-1" }
              - { id: "ext", engine: "process", paths: ["{{models.Folder}}"], command: "server {port}", cpus: "0" }
            """, "node.yaml");

        Assert.Equal(["runtimes[2].cpus", "runtimes[3].cpus"],
            result.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.KeyPath));
        Assert.Contains("ends before it starts", result.Findings.First(f => f.KeyPath == "runtimes[2].cpus").Reason, StringComparison.Ordinal);
        Assert.Contains("taskset", result.Findings.First(f => f.KeyPath == "runtimes[3].cpus").Reason, StringComparison.Ordinal);

        var valid = NodeConfigLoader.Parse($$"""
            node: { host_id: "cpu-host" }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Folder}}"], cpus: "1-2,0" }
              - { id: "minilm", engine: "minilm", cpus: 1 }
            """, "node.yaml");
        Assert.Equal([0, 1, 2], valid.Config!.Runtimes[0].Cpus);
        Assert.Equal([1], valid.Config.Runtimes[1].Cpus);
    }

    [Fact]
    public void Pinned_entries_reserve_their_cpus_and_the_agent_moves_to_the_rest()
    {
        static RuntimeConfig Entry(params int[]? cpus) =>
            new("e", RuntimeConfig.MiniLm, [], null, null, 1, 0, null, false, 120, "127.0.0.1") { Cpus = cpus };

        // Two entries: the union is reserved.
        var plan = CpuReservation.For([0, 1, 2, 3, 4, 5], [Entry(4, 5), Entry(null), Entry(2, 4)]);
        Assert.Equal([0, 1, 3], plan.AgentCpus!);
        Assert.Equal([2, 4, 5], plan.Reserved);
        Assert.Null(plan.Warning);

        // Nothing pinned: the agent stays.
        var none = CpuReservation.For([0, 1], [Entry(null)]);
        Assert.Null(none.AgentCpus);
        Assert.Empty(none.Reserved);
        Assert.Null(none.Warning);

        // Reserved CPUs that were never the agent's (a cgroup or taskset gave it others): nothing to leave.
        var elsewhere = CpuReservation.For([0, 1], [Entry(6, 7)]);
        Assert.Null(elsewhere.AgentCpus);
        Assert.Null(elsewhere.Warning);

        // Every CPU reserved: the agent stays and says why.
        var all = CpuReservation.For([0, 1], [Entry(0), Entry(1)]);
        Assert.Null(all.AgentCpus);
        Assert.Equal("runtimes[].cpus reserve every CPU the agent may use (0,1): the agent, and the runtimes without cpus, share them with the pinned models", all.Warning);
    }

    [Fact]
    public async Task A_pinned_runtime_host_has_every_thread_on_its_cpus_and_an_unavailable_cpu_is_the_services_error()
    {
        await using var agent = await LifecycleTests.StartAsync($$"""
              - { id: "pinned", engine: "llamacpp", paths: ["{{models.Tiny}}"], cpus: "0" }
              - { id: "nowhere", engine: "llamacpp", paths: ["{{models.Embedder}}"], cpus: "1000" }
            """);
        var pinned = LifecycleTests.Find(agent, "tiny-llama");
        var (port, error, _) = await pinned.LoadAsync(CancellationToken.None);
        Assert.Null(error);
        Assert.True(port > 0);

        // Every thread of the host, the model's and the server's included, and the one that answered a request.
        using (var client = new HttpClient { BaseAddress = new Uri(pinned.Endpoint.Url) })
        {
            using var served = await client.PostAsync("/v1/chat/completions", LifecycleTests.Chat("tiny-llama"));
            Assert.Equal(System.Net.HttpStatusCode.OK, served.StatusCode);
        }

        var pid = pinned.Report().Runtime["pid"]!.GetValue<int>();
        var allowed = ThreadCpus.Of(pid);
        Assert.True(allowed.Length > 5, $"{allowed.Length} threads");
        Assert.All(allowed, cpus => Assert.Equal([0], cpus));

        var nowhere = LifecycleTests.Find(agent, "tiny-embed");
        var (_, failure, _) = await nowhere.LoadAsync(CancellationToken.None);
        Assert.NotNull(failure);
        var report = nowhere.Report();
        Assert.Equal("unhealthy", report.State.Health);
        Assert.Contains("cpus 1000: none of these CPUs is available", report.Runtime["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
