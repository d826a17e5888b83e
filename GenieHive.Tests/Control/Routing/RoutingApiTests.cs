using System.Net;
using System.Text;
using System.Text.Json;
using GenieHive.Control;
using GenieHive.Control.Auth;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Routing;

public sealed class RoutingApiTests
{
    internal static async Task<KestrelHost> StartAsync(RoutingFixture f)
    {
        var holder = new RoutingTableHolder();
        // An in-memory registry; the YAML is read once at build time, so the file can go at once.
        var config = Path.Combine(Path.GetTempPath(), $"geniehive-routing-{Guid.NewGuid():n}.yaml");
        await File.WriteAllTextAsync(config, ControlPlaneHost.Yaml(keys: false, sqlitePath: ":memory:"));
        WebApplication app;
        try
        {
            app = ControlPlaneApp.Build(["--config", config, "--urls", "http://127.0.0.1:0"], b =>
            {
                b.Logging.ClearProviders();
                b.Services.AddSingleton(holder);
                b.Services.AddSingleton<LiveStateStore>(f.Live);
                b.Services.AddSingleton<TimeProvider>(f.Time);
            });
        }
        finally
        {
            File.Delete(config);
        }

        var host = await KestrelHost.StartAsync(app);
        // The registry writer publishes its (empty) snapshot at start; the test's table replaces it, as a heartbeat would.
        holder.Publish(f.Table());
        f.ReapplyTrips();
        return host;
    }

    private static RoutingFixture MentorCluster()
    {
        var f = new RoutingFixture();
        f.Service("gpu-1/chat", "gpu-1", assets: ["qwen3-8b"], p50: 900);
        f.Host("gpu-2", lastSeen: RoutingFixture.Start - 120);
        f.Service("gpu-2/chat", "gpu-2", assets: ["llama"], p50: 100);
        f.Role("mentor", policy: p => p with { PreferredFamilies = ["qwen3", "llama"], FallbackRoles = ["general"] });
        f.Role("general", operation: "embeddings");
        return f;
    }

    [Fact]
    public async Task Explain_lists_the_eligible_and_the_excluded_service_and_the_skipped_fallback()
    {
        await using var host = await StartAsync(MentorCluster());
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/v1/cluster/routes/resolve?model=mentor&explain=true");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(
            """{"requested":"mentor","operation":"chat","route":"role:mentor","strategy":"scored","candidates":[{"service_id":"gpu-1/chat","host_id":"gpu-1","eligible":true,"rank":1,"key":{"guardrail_match":0,"family_match":2,"loaded":true,"p50_latency_ms":900}},{"service_id":"gpu-2/chat","host_id":"gpu-2","eligible":false,"excluded_by":"host_stale"}],"fallbacks":[{"role_id":"general","outcome":"skipped","reason":"operation_mismatch"}],"attempt_order":["gpu-1/chat"]}""",
            doc.RootElement.GetProperty("explain").GetRawText());
        var resolution = doc.RootElement.GetProperty("resolution");
        Assert.Equal("role", resolution.GetProperty("match_type").GetString());
        Assert.Equal("mentor", resolution.GetProperty("role").GetProperty("role_id").GetString());
        Assert.Equal("gpu-1/chat", resolution.GetProperty("service").GetProperty("service_id").GetString());
        Assert.True(resolution.GetProperty("service").GetProperty("live").GetProperty("routable").GetBoolean());
        Assert.False(resolution.TryGetProperty("fallback_via", out _));
        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Resolve_without_explain_has_no_explain_and_direct_answers_match_type_direct()
    {
        await using var host = await StartAsync(MentorCluster());
        using var client = host.CreateClient();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/cluster/routes/resolve?model=qwen3-8b&kind=chat"));

        Assert.False(doc.RootElement.TryGetProperty("explain", out _));
        Assert.Equal("direct", doc.RootElement.GetProperty("resolution").GetProperty("match_type").GetString());
        Assert.False(doc.RootElement.GetProperty("resolution").TryGetProperty("role", out _));
    }

    [Theory]
    [InlineData("/v1/cluster/routes/resolve?model=mentor&kind=images", 400, "invalid_request", "kind")]
    [InlineData("/v1/cluster/routes/resolve?kind=chat", 400, "invalid_request", "model")]
    [InlineData("/v1/cluster/routes/resolve?model=nobody", 404, "model_not_found", "model")]
    [InlineData("/v1/cluster/routes/resolve?model=mentor&kind=embeddings", 400, "operation_mismatch", "model")]
    [InlineData("/v1/cluster/routes/resolve?model=llama", 503, "no_healthy_target", null)]
    public async Task Resolve_errors_use_the_envelope(string url, int status, string code, string? param)
    {
        await using var host = await StartAsync(MentorCluster());
        using var client = host.CreateClient();

        using var response = await client.GetAsync(url);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, (int)response.StatusCode);
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Role_without_target_resolves_200_with_service_null_and_cooling_direct_id_gets_retry_after()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", assets: ["m"]);
        f.Role("r", policy: p => p with { AllowedTrustTiers = ["none"] });
        f.Trip("h1/chat");
        await using var host = await StartAsync(f);
        using var client = host.CreateClient();

        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/cluster/routes/resolve?model=r"));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("resolution").GetProperty("service").ValueKind);

        using var cooling = await client.GetAsync("/v1/cluster/routes/resolve?model=m");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cooling.StatusCode);
        Assert.Equal("30", cooling.Headers.GetValues("Retry-After").Single());
    }

    [Fact]
    public async Task Resolve_and_match_never_move_round_robin_counters()
    {
        var f = new RoutingFixture { Strategy = Strategies.RoundRobin };
        f.Service("h1/chat", "h1");
        f.Service("h2/chat", "h2");
        f.Role("r");
        await using var host = await StartAsync(f);
        using var client = host.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/cluster/routes/resolve?model=r&explain=true"));
            Assert.Equal("h1/chat", doc.RootElement.GetProperty("resolution").GetProperty("service").GetProperty("service_id").GetString());
            using var match = await client.PostAsync("/v1/cluster/routes/match", new StringContent("{}", Encoding.UTF8, "application/json"));
            match.EnsureSuccessStatusCode();
            using var models = await client.GetAsync("/v1/models");
            models.EnsureSuccessStatusCode();
        }

        Assert.Equal(0, host.App.Services.GetRequiredService<RouteResolver>().CounterValue("r"));
    }

    [Theory]
    [InlineData("""{"kind":"images"}""", "invalid_request", "kind")]
    [InlineData("""{"tasks":"x"}""", "invalid_request", "tasks")]
    [InlineData("""{"limit":"3"}""", "invalid_request", "limit")]
    [InlineData("""[1]""", "invalid_json", null)]
    [InlineData("""{"task":""", "invalid_json", null)]
    public async Task Match_rejects_bad_bodies(string body, string code, string? param)
    {
        await using var host = await StartAsync(MentorCluster());
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/v1/cluster/routes/match", new StringContent(body, Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, doc.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(param, doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Match_reproduces_the_spec_example_over_http()
    {
        await using var host = await StartAsync(RouteMatcherTests.SpecExample());
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/v1/cluster/routes/match",
            new StringContent("""{"task":"explain this stack trace","tasks":["  "],"workloads":["chat.short_reasoning",""],"kind":"chat","limit":0}""", Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("task_count").GetInt32());
        Assert.Equal("""["chat.short_reasoning"]""", root.GetProperty("workloads").GetRawText());
        var only = Assert.Single(root.GetProperty("candidates").EnumerateArray().ToArray());
        Assert.Equal("service", only.GetProperty("candidate_type").GetString());
        Assert.Equal(0.7756, only.GetProperty("score").GetDouble());
        Assert.Equal(JsonValueKind.Null, only.GetProperty("role").ValueKind);
    }
}
