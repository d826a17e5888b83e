using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Control.Routing;

public sealed class RouteMatcherTests
{
    /// <summary>routing.md's worked example: text 0.5 / 0.25, family 1, guardrail 0, runtime 0.85, benchmark 0.9803125.</summary>
    internal static RoutingFixture SpecExample()
    {
        var f = new RoutingFixture();
        f.Service("atlas/chat/trace-box", "atlas", assets: ["qwen3-8b"], p50: 900, tokensPerSec: 25);
        f.Role("mentor", description: "explain a stack", policy: p => p with { PreferredFamilies = ["qwen3"] });
        f.Role("embedder", operation: "embeddings");
        f.Samples.Add(new BenchmarkSample("b1", "atlas/chat/trace-box", null, "chat.short_reasoning", RoutingFixture.Start - 10,
            RoutingFixture.Json("""{"pass_rate":1.0,"ttft_ms":400,"tokens_per_sec":30}""")));
        return f;
    }

    private static RouteMatchRequest Request(string[] tasks, string[]? workloads = null, string? kind = "chat", bool direct = true, int limit = 10, string? modality = null) =>
        new([.. tasks], [.. workloads ?? []], kind, modality, direct, limit);

    [Fact]
    public void The_spec_example_scores_0_7026_for_the_role_and_0_7756_for_the_service()
    {
        var f = SpecExample();
        var matcher = new RouteMatcher(f.CreateResolver());

        var candidates = matcher.Match(f.Table(), Request(["explain this stack trace"], ["chat.short_reasoning"]));

        Assert.Equal(["service:atlas/chat/trace-box:0.7756", "role:mentor:0.7026"],
            candidates.Select(c => $"{c.CandidateType}:{c.CandidateId}:{c.Score}"));
        var role = candidates[1];
        Assert.Equal<string>(
            [
                "task text overlaps role description or policy",
                "resolved service matches role preferred model family",
                "service already has a loaded asset",
                "low observed latency",
                "good observed throughput",
                "recent benchmark sample matches requested workload or task shape",
                "benchmark results indicate strong empirical fit",
            ],
            role.Reasons);
        Assert.Equal(
            """{"task_overlap":0.5,"preferred_family_match":true,"guardrail_profile_match":false,"loaded":true,"p50_latency_ms":900,"tokens_per_sec":25,"queue_depth":null,"loaded_model_count":null,"availability":"available","benchmark_match_count":1,"best_workload_overlap":1,"benchmark_quality_score":0.9562}""",
            role.Signals.ToJsonString());
        Assert.Equal("atlas/chat/trace-box", role.Service!.ServiceId);
        Assert.Equal("task text overlaps service or asset metadata", candidates[0].Reasons[0]);
        Assert.Equal(0.25, candidates[0].Signals["task_overlap"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("""{"pass_rate":1.0,"ttft_ms":400,"tokens_per_sec":30}""", 0.95625)]
    [InlineData("""{"pass_rate":0.5}""", 0.325)]
    [InlineData("""{"tokens_per_sec":40,"ttft_ms":1200}""", 0.75)]
    [InlineData("""{}""", 0)]
    [InlineData("""{"pass_rate":"1.0","quality_score":true,"tool_success_rate":2,"ttft_ms":5000}""", 0.685)]
    public void Sample_quality_follows_benchmarks_md(string results, double expected) =>
        Assert.Equal(expected, RouteMatcher.Quality(RoutingFixture.Json(results)), 10);

    [Fact]
    public void A_role_without_target_scores_only_text_and_says_so()
    {
        var f = SpecExample();
        f.Role("mentor", description: "explain a stack", policy: p => p with { AllowedTrustTiers = ["none"] });

        var role = new RouteMatcher(f.CreateResolver()).Match(f.Table(), Request(["explain this stack trace"], direct: false)).Single();

        Assert.Equal(0.125, role.Score);
        Assert.Null(role.Service);
        Assert.Equal<string>(["task text overlaps role description or policy", "no healthy service currently resolves for this role"], role.Reasons);
        Assert.Equal("""{"task_overlap":0.5,"preferred_family_match":false,"guardrail_profile_match":false,"loaded":false,"p50_latency_ms":null,"tokens_per_sec":null,"benchmark_match_count":0,"best_workload_overlap":0,"benchmark_quality_score":null}""",
            role.Signals.ToJsonString());
    }

    [Fact]
    public void Runtime_bands_busy_and_queue_depth_reasons()
    {
        var f = new RoutingFixture();
        f.Service("h1/slow", "h1", p50: 5000, tokensPerSec: 10, availability: "busy", queueDepth: 10);
        f.Service("h2/mid", "h2", p50: 3000, loaded: false);

        var candidates = new RouteMatcher(f.CreateResolver()).Match(f.Table(), Request([]));

        var slow = candidates.Single(c => c.CandidateId == "h1/slow");
        Assert.Equal<string>(
            ["service reports busy availability", "service already has a loaded asset", "high but usable latency", "usable observed throughput", "current queue depth reduces suitability"],
            slow.Reasons);
        // runtime = −0.10 + 0.35 + 0.05 + 0.10 − 0.15 = 0.25; no task text; no samples.
        Assert.Equal(0.1125, slow.Score);
        var mid = candidates.Single(c => c.CandidateId == "h2/mid");
        Assert.Equal<string>(["moderate observed latency"], mid.Reasons);
        Assert.Equal(0.081, mid.Score);
    }

    [Fact]
    public void Kind_and_modality_filter_roles_and_ties_put_roles_first_then_ids()
    {
        var f = new RoutingFixture();
        f.Service("b", "h1", loaded: false);
        f.Role("a", policy: p => p with { AllowedTrustTiers = ["none"] });
        f.Role("c", policy: p => p with { AllowedTrustTiers = ["none"] });
        f.Role("voice", operation: "transcription", modality: "audio");
        var matcher = new RouteMatcher(f.CreateResolver());

        Assert.Equal(["a", "c", "b"], matcher.Match(f.Table(), Request([], kind: "chat")).Select(c => c.CandidateId));
        Assert.Equal(["voice"], matcher.Match(f.Table(), Request([], kind: null, direct: false, modality: "audio")).Select(c => c.CandidateId));
        Assert.Equal(["a", "b", "c", "voice"], matcher.Match(f.Table(), Request([], kind: null)).Select(c => c.CandidateId).Order(StringComparer.Ordinal));
        Assert.Single(matcher.Match(f.Table(), Request([], kind: null, limit: -5)));
    }

    [Fact]
    public void Benchmark_matches_by_task_overlap_and_counts_every_sample_without_a_query()
    {
        var f = SpecExample();
        f.Samples.Add(new BenchmarkSample("b2", "atlas/chat/trace-box", null, "agentic.tool_use", RoutingFixture.Start,
            RoutingFixture.Json("""{"pass_rate":0.2}""")));
        var matcher = new RouteMatcher(f.CreateResolver());

        var byTask = matcher.Match(f.Table(), Request(["tool use please"])).Single(c => c.CandidateType == "service");
        Assert.Equal(1, byTask.Signals["benchmark_match_count"]!.GetValue<int>());
        Assert.Equal(0.6667, byTask.Signals["best_workload_overlap"]!.GetValue<double>());
        Assert.Contains("benchmark results indicate limited but relevant empirical fit", byTask.Reasons);

        var noQuery = matcher.Match(f.Table(), Request([])).Single(c => c.CandidateType == "service");
        Assert.Equal(2, noQuery.Signals["benchmark_match_count"]!.GetValue<int>());
        Assert.Equal(0.0, noQuery.Signals["best_workload_overlap"]!.GetValue<double>());
    }

    [Fact]
    public void Tokens_split_on_everything_outside_a_to_z_and_digits()
    {
        Assert.Equal(["chat", "short", "reasoning", "q4"], RouteMatcher.Tokens("Chat.Short_Reasoning  Q4!"));
        Assert.Equal(0.5, RouteMatcher.Overlap(RouteMatcher.Tokens("a b"), RouteMatcher.Tokens("b c")));
        Assert.Equal(0, RouteMatcher.Overlap(RouteMatcher.Tokens(""), RouteMatcher.Tokens("b c")));
        Assert.Equal(0.0312, RouteMatcher.Round(0.03125));
        Assert.Equal(0.0938, RouteMatcher.Round(0.09375));
    }
}
