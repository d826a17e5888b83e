using GenieHive.Control.Health;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Control.Routing;

public sealed class RouteResolverTests
{
    private static string[] Ids(RouteResolution r) => [.. r.AttemptOrder.Select(s => s.ServiceId)];

    [Fact]
    public void Direct_by_asset_id_orders_loaded_first_then_p50_then_service_id()
    {
        var f = new RoutingFixture();
        f.Service("h1/slow", "h1", assets: ["m"], p50: 900);
        f.Service("h2/unloaded", "h2", assets: ["m"], loaded: false, p50: 10);
        f.Service("h3/fast", "h3", assets: ["m"], p50: 200);
        f.Service("nop50-b", "h4", assets: ["m"]);
        f.Service("nop50-a", "h5", assets: ["m"]);

        var r = f.CreateResolver().Resolve(f.Table(), "m", "chat", ResolveMode.Take);

        Assert.False(r.IsError);
        Assert.Equal("direct", r.MatchType);
        Assert.Equal("direct", r.RouteHeader);
        Assert.Equal("h3/fast", r.Service!.ServiceId);
        Assert.Equal(["h3/fast", "h1/slow", "nop50-a", "nop50-b", "h2/unloaded"], Ids(r));
        Assert.All(r.AttemptFallbackVia, v => Assert.Null(v));
    }

    [Fact]
    public void Direct_by_service_id_beats_a_role_of_the_same_id()
    {
        var f = new RoutingFixture();
        f.Service("mentor", "h1");
        f.Service("h2/chat", "h2");
        f.Role("mentor");

        var r = f.CreateResolver().Resolve(f.Table(), "mentor", null, ResolveMode.Peek);

        Assert.Equal("direct", r.MatchType);
        Assert.Equal("mentor", r.Service!.ServiceId);
        Assert.Equal("chat", r.Operation);
    }

    [Fact]
    public void Equal_scores_are_ordered_by_smallest_service_id_D11()
    {
        var f = new RoutingFixture();
        f.Service("h1/zeta", "h1", p50: 500);
        f.Service("h1/alpha", "h1", p50: 500);
        f.Service("h0/mid", "h0", p50: 500);
        f.Role("r");

        var r = f.CreateResolver().Resolve(f.Table(), "r", "chat", ResolveMode.Take);

        Assert.Equal(["h0/mid", "h1/alpha", "h1/zeta"], Ids(r));
        Assert.Equal("role:r", r.RouteHeader);
    }

    [Fact]
    public void Unknown_id_is_404_model_not_found_with_the_exact_message()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1");

        var r = f.CreateResolver().Resolve(f.Table(), "mentr", "chat", ResolveMode.Take);

        Assert.Equal(404, r.Error!.Status);
        Assert.Equal("model_not_found", r.Error.Code);
        Assert.Equal("Unknown model or role 'mentr'.", r.Error.Message);
        Assert.Equal("model", r.Error.Param);
    }

    [Fact]
    public void Direct_id_of_another_operation_is_400_operation_mismatch_D17()
    {
        var f = new RoutingFixture();
        f.Service("h1/embed", "h1", kind: "embeddings", assets: ["nomic-embed"]);

        var r = f.CreateResolver().Resolve(f.Table(), "nomic-embed", "chat", ResolveMode.Take);

        Assert.Equal(400, r.Error!.Status);
        Assert.Equal("operation_mismatch", r.Error.Code);
        Assert.Equal("'nomic-embed' serves embeddings, not chat.", r.Error.Message);
    }

    [Fact]
    public void Role_of_another_operation_is_400_operation_mismatch_D5()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1");
        f.Role("embedder", operation: "embeddings");

        var r = f.CreateResolver().Resolve(f.Table(), "embedder", "chat", ResolveMode.Take);

        Assert.Equal("operation_mismatch", r.Error!.Code);
        Assert.Equal("'embedder' serves embeddings, not chat.", r.Error.Message);
    }

    [Theory]
    [InlineData("unhealthy")]
    [InlineData("draining")]
    [InlineData("not_accepting")]
    [InlineData("stale")]
    [InlineData("offline_host")]
    public void A_known_direct_id_blocked_by_a_transient_gate_is_503_no_healthy_target(string why)
    {
        var f = new RoutingFixture();
        f.Host("h1", state: why == "offline_host" ? "offline" : "online", lastSeen: why == "stale" ? RoutingFixture.Start - 31 : null);
        f.Service("h1/chat", "h1", assets: ["m"],
            health: why == "unhealthy" ? "unhealthy" : "healthy",
            availability: why == "draining" ? "draining" : "available",
            accept: why != "not_accepting");

        var r = f.CreateResolver().Resolve(f.Table(), "m", "chat", ResolveMode.Take);

        Assert.Equal(503, r.Error!.Status);
        Assert.Equal("no_healthy_target", r.Error.Code);
        Assert.Equal("No healthy chat target available for 'm'.", r.Error.Message);
        Assert.Null(r.RetryAfterSeconds);
    }

    [Fact]
    public void A_direct_id_blocked_only_by_cooldown_is_503_with_retry_after_to_the_earliest_end()
    {
        var f = new RoutingFixture();
        f.Service("h1/a", "h1", assets: ["m"]);
        f.Service("h2/b", "h2", assets: ["m"]);
        f.Trip("h1/a");
        f.Time.Advance(TimeSpan.FromSeconds(10.5));
        f.Trip("h2/b");
        f.Host("h1", lastSeen: f.Now);
        f.Host("h2", lastSeen: f.Now);

        var r = f.CreateResolver().Resolve(f.Table(), "m", null, ResolveMode.Take);

        Assert.Equal("no_healthy_target", r.Error!.Code);
        Assert.Equal(20, r.RetryAfterSeconds);
    }

    [Fact]
    public void A_direct_id_failing_only_policy_gates_is_404()
    {
        var f = new RoutingFixture();
        f.Host("laptop", resources: """{"trust_tier":"employee_device"}""");
        f.Service("laptop/chat", "laptop", assets: ["m"]);

        var r = f.CreateResolver().Resolve(f.Table(), "m", "chat", ResolveMode.Take);

        Assert.Equal(404, r.Error!.Status);
    }

    [Fact]
    public void Employee_device_serves_direct_requests_when_the_service_allows_it()
    {
        var f = new RoutingFixture();
        f.Host("laptop", resources: """{"trust_tier":"Employee_Device "}""");
        f.Service("laptop/chat", "laptop", assets: ["m"], allowEmployeeDirect: true);

        var r = f.CreateResolver().Resolve(f.Table(), "m", "chat", ResolveMode.Take);

        Assert.Equal("laptop/chat", r.Service!.ServiceId);
    }

    [Fact]
    public void Role_with_nothing_eligible_has_no_service_and_the_proxy_error_is_503()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", health: "unhealthy");
        f.Role("r");

        var r = f.CreateResolver().Resolve(f.Table(), "r", null, ResolveMode.Take);

        Assert.False(r.IsError);
        Assert.Equal("role", r.MatchType);
        Assert.Null(r.Service);
        Assert.Empty(r.AttemptOrder);
        Assert.Null(r.RouteHeader);
        var error = RouteErrors.ForProxy(r, "r");
        Assert.Equal(503, error!.Status);
        Assert.Equal("No healthy chat target available for 'r'.", error.Message);
        Assert.Null(r.RetryAfterSeconds);
    }

    [Fact]
    public void Role_blocked_only_by_cooldown_carries_retry_after()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1");
        f.Service("h1/embed", "h1", kind: "embeddings", health: "unhealthy");
        f.Role("r");
        f.Trip("h1/chat");

        var r = f.CreateResolver().Resolve(f.Table(), "r", "chat", ResolveMode.Peek);

        Assert.Null(r.Service);
        Assert.Equal(30, r.RetryAfterSeconds);
    }

    [Fact]
    public void Round_robin_alternates_on_take_and_peek_never_moves_the_counter_D3()
    {
        var f = new RoutingFixture { Strategy = Strategies.RoundRobin };
        f.Service("h1/chat", "h1");
        f.Service("h2/chat", "h2");
        f.Role("r");
        var table = f.Table();
        var resolver = f.CreateResolver();

        var peeks = Enumerable.Range(0, 3).Select(_ => resolver.Resolve(table, "r", "chat", ResolveMode.Peek).Service!.ServiceId).ToArray();
        Assert.Equal(["h1/chat", "h1/chat", "h1/chat"], peeks);
        Assert.Equal(0, resolver.CounterValue("r"));

        var takes = Enumerable.Range(0, 4).Select(_ => resolver.Resolve(table, "r", "chat", ResolveMode.Take)).ToArray();
        Assert.Equal(["h1/chat", "h2/chat", "h1/chat", "h2/chat"], takes.Select(t => t.Service!.ServiceId));
        Assert.Equal(["h2/chat", "h1/chat"], Ids(takes[1]));
        Assert.Equal(4, resolver.CounterValue("r"));

        Assert.Equal("h1/chat", resolver.Resolve(table, "r", "chat", ResolveMode.Peek).Service!.ServiceId);
        Assert.Equal(4, resolver.CounterValue("r"));
    }

    [Fact]
    public void Round_robin_shares_tied_direct_candidates_by_the_requested_id()
    {
        var f = new RoutingFixture { Strategy = Strategies.RoundRobin };
        f.Service("h1/chat", "h1", assets: ["qwen"], p50: 100);
        f.Service("h2/chat", "h2", assets: ["qwen"], p50: 900);
        f.Service("h3/cold", "h3", assets: ["qwen"], loaded: false);
        var table = f.Table();
        var resolver = f.CreateResolver();

        var first = resolver.Resolve(table, "qwen", "chat", ResolveMode.Take);
        var second = resolver.Resolve(table, "qwen", "chat", ResolveMode.Take);

        Assert.Equal(["h1/chat", "h2/chat", "h3/cold"], Ids(first));
        Assert.Equal(["h2/chat", "h1/chat", "h3/cold"], Ids(second));
        Assert.Equal(2, resolver.CounterValue("qwen"));
    }

    [Fact]
    public void Scored_direct_order_ignores_the_counter()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", assets: ["qwen"], p50: 900);
        f.Service("h2/chat", "h2", assets: ["qwen"], p50: 100);
        var table = f.Table();
        var resolver = f.CreateResolver();

        Assert.Equal("h2/chat", resolver.Resolve(table, "qwen", "chat", ResolveMode.Take).Service!.ServiceId);
        Assert.Equal("h2/chat", resolver.Resolve(table, "qwen", "chat", ResolveMode.Take).Service!.ServiceId);
    }

    [Fact]
    public void Least_loaded_uses_the_live_in_flight_count()
    {
        var f = new RoutingFixture { Strategy = Strategies.LeastLoaded };
        f.Service("h1/chat", "h1", p50: 100);
        f.Service("h2/chat", "h2", p50: 900);
        f.Service("h3/chat", "h3", p50: 0, queueDepth: 1);
        f.Role("r");
        var table = f.Table();
        var resolver = f.CreateResolver();

        Assert.Equal(["h1/chat", "h2/chat", "h3/chat"], Ids(resolver.Resolve(table, "r", "chat", ResolveMode.Take)));

        f.Live.Get("h1/chat").EnterAttempt();
        f.Live.Get("h1/chat").EnterAttempt();
        Assert.Equal(["h2/chat", "h3/chat", "h1/chat"], Ids(resolver.Resolve(table, "r", "chat", ResolveMode.Take)));

        f.Live.Get("h1/chat").ExitAttempt();
        // Load 1 each for h1 (live) and h3 (queue); h3's p50 of 0 counts as unknown, so h1 goes first.
        Assert.Equal(["h2/chat", "h1/chat", "h3/chat"], Ids(resolver.Resolve(table, "r", "chat", ResolveMode.Take)));
    }

    [Fact]
    public void Least_loaded_takes_the_node_reported_in_flight_when_higher()
    {
        var f = new RoutingFixture { Strategy = Strategies.LeastLoaded };
        f.Service("h1/chat", "h1", p50: 100, inFlight: 5);
        f.Service("h2/chat", "h2", p50: 900);
        f.Role("r");

        Assert.Equal("h2/chat", f.CreateResolver().Resolve(f.Table(), "r", "chat", ResolveMode.Take).Service!.ServiceId);
    }

    [Fact]
    public void Scored_strategy_prefers_guardrail_then_family_then_loaded_then_latency()
    {
        var f = new RoutingFixture();
        f.Service("h1/fast", "h1", assets: ["llama-8b"], p50: 100);
        f.Service("h2/forge", "h2", assets: ["llama-8b"], p50: 5000, runtime: """{"engine":"forge-proxy"}""");
        f.Role("r", policy: p => p with { GuardrailProfile = "forge_proxy" });

        var r = f.CreateResolver().Resolve(f.Table(), "r", "chat", ResolveMode.Take);

        Assert.Equal(["h2/forge", "h1/fast"], Ids(r));
    }

    [Fact]
    public void Require_loaded_and_preferred_families_are_soft_and_the_set_aside_follow_in_the_attempt_order()
    {
        var f = new RoutingFixture();
        f.Service("h1/cold-qwen", "h1", assets: ["qwen3-8b"], loaded: false, p50: 100);
        f.Service("h2/llama", "h2", assets: ["llama-3-8b"], p50: 100);
        f.Service("h3/qwen", "h3", assets: ["qwen3-14b"], p50: 900);
        f.Service("h4/mistral", "h4", assets: ["mistral-7b"], p50: 50);
        f.Service("h5/other", "h5", assets: ["phi"], p50: 10);
        f.Host("edge", resources: """{"device_class":"edge"}""");
        f.Service("edge/phi", "edge", assets: ["phi-mini"], p50: 1);
        f.Role("r", policy: p => p with
        {
            RequireLoaded = true, PreferredFamilies = ["qwen3", "llama"], DeniedDeviceClasses = ["edge"], FallbackRoles = ["backup"],
        });
        f.Role("backup", policy: p => p with { PreferredFamilies = ["phi"] });

        var r = f.CreateResolver().Resolve(f.Table(), "r", "chat", ResolveMode.Take);

        Assert.Equal("h3/qwen", r.Service!.ServiceId);
        Assert.Equal("role:r", r.RouteHeader);
        // Survivors, then the set-aside ones in scored order (G, F, L, p50), then the fallback's new target.
        Assert.Equal(["h3/qwen", "h1/cold-qwen", "h2/llama", "h5/other", "h4/mistral", "edge/phi"], Ids(r));
        Assert.Equal<string?>([null, null, null, null, null, "backup"], r.AttemptFallbackVia);
        Assert.Equal("role:r;fallback_via=backup", RouteResolver.RouteHeaderFor(r, 5));
        Assert.Null(r.FallbackVia);
    }

    [Fact]
    public void Fallback_role_supplies_the_target_when_the_primary_has_none()
    {
        var f = new RoutingFixture();
        f.Host("edge", resources: """{"trust_tier":"edge"}""");
        f.Service("edge/chat", "edge");
        f.Service("h1/chat", "h1");
        f.Role("strict", policy: p => p with { AllowedTrustTiers = ["datacenter"], FallbackRoles = ["middle"] });
        f.Role("middle", policy: p => p with { AllowedTrustTiers = ["nothing"], FallbackRoles = ["general"] });
        f.Role("general", policy: p => p with { DeniedTrustTiers = ["edge"] });

        var r = f.CreateResolver().Resolve(f.Table(), "strict", "chat", ResolveMode.Take);

        Assert.Equal("h1/chat", r.Service!.ServiceId);
        Assert.Equal("strict", r.Role!.RoleId);
        Assert.Equal("middle", r.FallbackVia);
        Assert.Equal("role:strict;fallback_via=middle", r.RouteHeader);
        Assert.Equal(["h1/chat"], Ids(r));
    }

    [Fact]
    public void Fallbacks_skip_cycles_unknown_roles_and_other_operations()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", health: "unhealthy");
        f.Service("h2/embed", "h2", kind: "embeddings", assets: ["embed-direct"]);
        f.Service("h3/chat", "h3");
        f.Role("a", policy: p => p with { AllowedTrustTiers = ["x"], FallbackRoles = ["b", "ghost", "embedder", "embed-direct", "a", "c"] });
        f.Role("b", policy: p => p with { AllowedTrustTiers = ["x"], FallbackRoles = ["a"] });
        f.Role("embedder", operation: "embeddings");
        f.Role("c", policy: p => p with { DeniedTrustTiers = ["x"] });
        var resolver = f.CreateResolver();

        var r = resolver.Resolve(f.Table(), "a", "chat", ResolveMode.Take);
        Assert.Equal("h3/chat", r.Service!.ServiceId);
        Assert.Equal("c", r.FallbackVia);

        var (_, explain) = resolver.Explain(f.Table(), "a", "chat");
        var fallbacks = explain!.Level.Fallbacks.Select(x => (x.RoleId, x.Outcome, x.Reason)).ToArray();
        Assert.Equal(
            [("b", "skipped", "no_target"), ("ghost", "skipped", "unknown_role"), ("embedder", "skipped", "operation_mismatch"),
             ("embed-direct", "skipped", "operation_mismatch"), ("a", "skipped", "cycle"), ("c", "used", null)],
            fallbacks);
        var nested = explain.Level.Fallbacks[0].Level!.Fallbacks.Single();
        Assert.Equal(("a", "skipped", "cycle"), (nested.RoleId, nested.Outcome, nested.Reason));
    }

    [Fact]
    public void Fallback_targets_follow_the_primary_candidates_in_the_attempt_order_deduplicated()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", assets: ["qwen3"]);
        f.Service("h2/chat", "h2", assets: ["llama"]);
        f.Host("gpu", resources: """{"device_class":"gpu_server"}""");
        f.Service("gpu/chat", "gpu", assets: ["llama"]);
        f.Role("primary", policy: p => p with { AllowedDeviceClasses = ["gpu_server"], FallbackRoles = ["any"] });
        f.Role("any", policy: p => p with { FallbackRoles = ["deep"] });
        f.Role("deep");

        var r = f.CreateResolver().Resolve(f.Table(), "primary", "chat", ResolveMode.Take);

        Assert.Equal(["gpu/chat", "h1/chat", "h2/chat"], Ids(r));
        Assert.Equal<string?>([null, "any", "any"], r.AttemptFallbackVia);
        Assert.Equal("role:primary", RouteResolver.RouteHeaderFor(r, 0));
        Assert.Equal("role:primary;fallback_via=any", RouteResolver.RouteHeaderFor(r, 1));
    }

    [Fact]
    public void Only_the_fallback_that_supplies_the_first_target_advances_its_counter()
    {
        var f = new RoutingFixture { Strategy = Strategies.RoundRobin };
        f.Service("h1/chat", "h1");
        f.Service("h2/chat", "h2");
        f.Role("primary", policy: p => p with { AllowedTrustTiers = ["none"], FallbackRoles = ["pool"] });
        f.Role("pool");
        f.Role("with-target", policy: p => p with { FallbackRoles = ["pool"] });
        var table = f.Table();
        var resolver = f.CreateResolver();

        Assert.Equal("h1/chat", resolver.Resolve(table, "primary", "chat", ResolveMode.Take).Service!.ServiceId);
        Assert.Equal("h2/chat", resolver.Resolve(table, "primary", "chat", ResolveMode.Take).Service!.ServiceId);
        Assert.Equal(2, resolver.CounterValue("pool"));
        Assert.Equal(0, resolver.CounterValue("primary"));

        resolver.Resolve(table, "with-target", "chat", ResolveMode.Take);
        Assert.Equal(1, resolver.CounterValue("with-target"));
        Assert.Equal(2, resolver.CounterValue("pool"));
    }

    [Fact]
    public void Half_open_service_with_its_trial_taken_is_skipped_and_peek_never_takes_the_slot()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", p50: 10);
        f.Service("h2/chat", "h2", p50: 900);
        f.Role("r");
        f.Trip("h1/chat");
        f.Time.Advance(TimeSpan.FromSeconds(30));
        f.Host("h1", lastSeen: f.Now);
        f.Host("h2", lastSeen: f.Now);
        var table = f.Table();
        var resolver = f.CreateResolver();

        Assert.Equal("h1/chat", resolver.Resolve(table, "r", "chat", ResolveMode.Peek).Service!.ServiceId);
        Assert.Equal("h1/chat", resolver.Resolve(table, "r", "chat", ResolveMode.Take).Service!.ServiceId);
        Assert.True(f.Live.Get("h1/chat").TryBeginAttempt(f.Now, out var trial));
        Assert.True(trial);

        var (r, explain) = resolver.Explain(table, "r", "chat");
        Assert.Equal("h2/chat", r.Service!.ServiceId);
        Assert.Equal("trial_in_flight", explain!.Level.Excluded.Single(c => c.Service.ServiceId == "h1/chat").ExcludedBy);
    }

    [Fact]
    public void Control_plane_probe_verdict_unhealthy_takes_a_service_out()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1", assets: ["m"]);
        f.Live.Get("h1/chat").Probe = ProbeVerdict.Unhealthy;

        var r = f.CreateResolver().Resolve(f.Table(), "m", "chat", ResolveMode.Take);

        Assert.Equal("no_healthy_target", r.Error!.Code);
    }

    [Fact]
    public void Configured_provider_hosts_are_never_stale()
    {
        var f = new RoutingFixture();
        f.Host("openai", labels: """{"service_origin":"external_provider"}""", lastSeen: RoutingFixture.Start - 86_400);
        f.Service("openai/gpt", "openai", assets: ["gpt-4o"]);

        Assert.Equal("openai/gpt", f.CreateResolver().Resolve(f.Table(), "gpt-4o", "chat", ResolveMode.Take).Service!.ServiceId);
    }

    [Fact]
    public void Each_gate_reports_its_explain_code()
    {
        var f = new RoutingFixture();
        f.Host("stale", lastSeen: RoutingFixture.Start - 60);
        f.Host("offline", state: "draining");
        f.Host("fam", resources: """{"contribution_policy":{"allowed_model_families":["mistral"]}}""");
        f.Host("denied", labels: """{"trust_tier":"untrusted"}""");
        f.Host("emp", resources: """{"trust_tier":"personal_device"}""");
        f.Host("gpu", resources: """{"device_class":"laptop"}""");
        f.Host("wl", resources: """{"workload_classes":["batch"]}""");
        f.Host("wl2", labels: """{"workload_class":"interactive"}""");
        f.Host("n", resources: """{"workload_classes":"Background"}""");
        f.Service("a/embed", "a", kind: "embeddings");
        f.Service("stale/chat", "stale");
        f.Service("offline/chat", "offline");
        f.Service("n/not-accepting", "n", accept: false);
        f.Service("n/unhealthy", "n", health: "degraded");
        f.Service("n/probe", "n");
        f.Service("n/paused", "n", availability: "paused_by_user");
        f.Service("n/cooling", "n");
        f.Service("fam/chat", "fam", assets: ["llama"]);
        f.Service("denied/chat", "denied");
        f.Service("emp/chat", "emp");
        f.Service("gpu/chat", "gpu");
        f.Service("wl/chat", "wl");
        f.Service("wl2/chat", "wl2");
        f.Service("n/small", "n", runtime: """{"context_size":"4096"}""");
        f.Service("n/busy-ok", "n", availability: "busy");
        f.Role("r", policy: p => p with
        {
            DeniedTrustTiers = ["untrusted"],
            DeniedDeviceClasses = ["laptop"],
            DeniedWorkloadClasses = ["batch"],
            AllowedWorkloadClasses = ["batch", "background"],
            MinContext = 8192,
        });
        f.Live.Get("n/probe").Probe = ProbeVerdict.Unhealthy;
        f.Trip("n/cooling");

        var (r, explain) = f.CreateResolver().Explain(f.Table(), "r", "chat");

        var codes = explain!.Level.Candidates.ToDictionary(c => c.Service.ServiceId, c => c.ExcludedBy);
        Assert.Equal("kind_mismatch", codes["a/embed"]);
        Assert.Equal("host_stale", codes["stale/chat"]);
        Assert.Equal("host_offline", codes["offline/chat"]);
        Assert.Equal("not_accepting_requests", codes["n/not-accepting"]);
        Assert.Equal("unhealthy", codes["n/unhealthy"]);
        Assert.Equal("probe_failed", codes["n/probe"]);
        Assert.Equal("unavailable", codes["n/paused"]);
        Assert.Equal("cooling_down", codes["n/cooling"]);
        Assert.Equal("host_model_family_policy", codes["fam/chat"]);
        Assert.Equal("trust_tier_denied", codes["denied/chat"]);
        Assert.Equal("employee_device_not_opted_in", codes["emp/chat"]);
        Assert.Equal("device_class_denied", codes["gpu/chat"]);
        Assert.Equal("workload_class_denied", codes["wl/chat"]);
        Assert.Equal("workload_class_not_allowed", codes["wl2/chat"]);
        Assert.Equal("context_too_small", codes["n/small"]);
        Assert.Null(codes["n/busy-ok"]);
        Assert.Equal("n/busy-ok", r.Service!.ServiceId);
    }

    [Fact]
    public void Allow_lists_report_not_allowed_codes_and_the_direct_employee_gate()
    {
        var f = new RoutingFixture();
        f.Host("emp", resources: """{"trust_tier":"employee_device"}""");
        f.Host("dc", resources: """{"trust_tier":"datacenter","device_class":"gpu_server"}""");
        f.Host("none");
        f.Service("emp/chat", "emp", assets: ["m"]);
        f.Service("dc/chat", "dc", assets: ["m"]);
        f.Service("none/chat", "none", assets: ["m"]);
        f.Role("tiers", policy: p => p with { AllowedTrustTiers = ["datacenter"] });
        f.Role("classes", policy: p => p with { AllowedDeviceClasses = ["workstation"] });
        var resolver = f.CreateResolver();

        var tiers = resolver.Explain(f.Table(), "tiers", null).Explain!.Level.Candidates.ToDictionary(c => c.Service.ServiceId, c => c.ExcludedBy);
        Assert.Equal("trust_tier_not_allowed", tiers["none/chat"]);
        Assert.Equal("trust_tier_not_allowed", tiers["emp/chat"]);
        Assert.Null(tiers["dc/chat"]);

        var classes = resolver.Explain(f.Table(), "classes", null).Explain!.Level.Candidates.ToDictionary(c => c.Service.ServiceId, c => c.ExcludedBy);
        Assert.Equal("device_class_not_allowed", classes["dc/chat"]);
        Assert.Equal("device_class_not_allowed", classes["none/chat"]);

        var direct = resolver.Explain(f.Table(), "m", "chat").Explain!;
        Assert.Equal("direct", direct.Strategy);
        Assert.Equal("employee_direct_not_allowed", direct.Level.Excluded.Single().ExcludedBy);
        Assert.Equal(["dc/chat", "none/chat"], direct.Level.Ranked.Select(c => c.Service.ServiceId));
    }

    [Fact]
    public void Employee_device_passes_a_role_that_opts_in_or_lists_the_tier()
    {
        var f = new RoutingFixture();
        f.Host("emp", resources: """{"trust_tier":"employee_device"}""");
        f.Service("emp/chat", "emp");
        f.Role("opt-in", policy: p => p with { AllowEmployeeDevices = true });
        f.Role("listed", policy: p => p with { AllowedTrustTiers = ["employee_device"] });
        var resolver = f.CreateResolver();

        Assert.NotNull(resolver.Resolve(f.Table(), "opt-in", "chat", ResolveMode.Peek).Service);
        Assert.NotNull(resolver.Resolve(f.Table(), "listed", "chat", ResolveMode.Peek).Service);
    }

    [Fact]
    public void Explain_marks_soft_filtered_candidates_with_not_loaded_and_lower_preferred_family()
    {
        var f = new RoutingFixture();
        f.Service("h1/cold", "h1", loaded: false);
        f.Service("h2/qwen", "h2", assets: ["qwen3"]);
        f.Service("h3/llama", "h3", assets: ["llama"]);
        f.Role("r", policy: p => p with { RequireLoaded = true, PreferredFamilies = ["qwen3"] });

        var (r, explain) = f.CreateResolver().Explain(f.Table(), "r", "chat");

        var codes = explain!.Level.Candidates.ToDictionary(c => c.Service.ServiceId, c => c.ExcludedBy);
        Assert.Equal("not_loaded", codes["h1/cold"]);
        Assert.Equal("lower_preferred_family", codes["h3/llama"]);
        Assert.Null(codes["h2/qwen"]);
        Assert.Equal<string>(["h2/qwen", "h3/llama", "h1/cold"], explain.AttemptOrder);
        Assert.Equal(r.AttemptOrder.Length, explain.AttemptOrder.Length);
    }
}

public sealed class PassivePeekTests
{
    [Fact]
    public void Lock_free_peek_agrees_with_check_through_holds_and_circuit_transitions()
    {
        var time = RoutingFixture.Start;
        var state = new ServiceLiveState();
        Assert.Equal(PassiveGate.Pass, state.Peek(time));

        state.HoldUntil(time, 5);
        Assert.Equal(PassiveGate.CoolingDown, state.Peek(time + 4));
        Assert.Equal(PassiveGate.Pass, state.Peek(time + 6));

        for (var i = 0; i < ServiceLiveState.FailureThreshold; i++)
        {
            state.RecordFailure(time + 6);
        }

        Assert.Equal(PassiveGate.CoolingDown, state.Peek(time + 10));
        Assert.Equal(PassiveGate.Pass, state.Peek(time + 40));
        Assert.True(state.TryBeginAttempt(time + 40, out var trial) && trial);
        Assert.Equal(PassiveGate.TrialInFlight, state.Peek(time + 40));
        state.RecordSuccess();
        Assert.Equal(PassiveGate.Pass, state.Peek(time + 41));
    }
}
