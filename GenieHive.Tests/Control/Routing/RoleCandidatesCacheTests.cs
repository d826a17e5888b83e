using GenieHive.Control.Health;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Control.Routing;

/// <summary>
/// Role resolution reuses its gate results per snapshot; every live-state transition and every clock-driven gate
/// change must still show on the next resolution of the same snapshot.
/// </summary>
public sealed class RoleCandidatesCacheTests
{
    private static string[] Ids(RouteResolution r) => [.. r.AttemptOrder.Select(s => s.ServiceId)];

    private static RoutingFixture ThreeServices(string strategy = Strategies.Scored)
    {
        var f = new RoutingFixture { Strategy = strategy };
        f.Service("h1/a", "h1", p50: 100);
        f.Service("h2/b", "h2", p50: 200);
        f.Service("h3/c", "h3", p50: 300);
        f.Role("general");
        return f;
    }

    [Fact]
    public void A_circuit_that_opens_and_then_half_opens_shows_on_the_same_snapshot()
    {
        var f = ThreeServices();
        var table = f.Table();
        var resolver = f.CreateResolver();
        Assert.Equal(["h1/a", "h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Take)));

        f.Trip("h1/a");
        Assert.Equal(["h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Take)));

        f.Time.Advance(TimeSpan.FromSeconds(ServiceLiveState.CooldownSeconds));   // hosts exactly at the stale window: fresh
        Assert.Equal(["h1/a", "h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));   // half-open, trial free

        Assert.True(f.Live.Get("h1/a").TryBeginAttempt(f.Now, out _));
        Assert.DoesNotContain("h1/a", Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));   // trial in flight

        f.Live.Get("h1/a").RecordSuccess();
        Assert.Equal("h1/a", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);
    }

    [Fact]
    public void A_probe_verdict_and_a_retry_after_hold_show_and_clear_on_the_same_snapshot()
    {
        var f = ThreeServices();
        var table = f.Table();
        var resolver = f.CreateResolver();
        Assert.Equal("h1/a", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);

        f.Live.Get("h1/a").Probe = ProbeVerdict.Unhealthy;
        Assert.Equal("h2/b", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);
        f.Live.Get("h1/a").Probe = ProbeVerdict.Healthy;
        Assert.Equal("h1/a", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);

        f.Live.Get("h1/a").HoldUntil(f.Now, 5);
        Assert.Equal("h2/b", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);
        f.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("h1/a", resolver.Resolve(table, "general", "chat", ResolveMode.Peek).Service!.ServiceId);
    }

    [Fact]
    public void A_host_going_stale_leaves_the_route_on_the_same_snapshot()
    {
        var f = ThreeServices();
        f.Host("h1", lastSeen: RoutingFixture.Start - 20);
        var table = f.Table();
        var resolver = f.CreateResolver();
        Assert.Equal(["h1/a", "h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));

        f.Time.Advance(TimeSpan.FromSeconds(10));   // exactly at the stale window: still fresh
        Assert.Equal(["h1/a", "h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));

        f.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));
    }

    [Fact]
    public void Round_robin_still_rotates_once_per_take_when_the_candidates_are_reused()
    {
        var f = ThreeServices(Strategies.RoundRobin);
        var table = f.Table();
        var resolver = f.CreateResolver();

        Assert.Equal(["h1/a", "h2/b", "h3/c"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Take)));
        Assert.Equal(["h2/b", "h3/c", "h1/a"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Take)));
        Assert.Equal(["h3/c", "h1/a", "h2/b"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Peek)));
        Assert.Equal(["h3/c", "h1/a", "h2/b"], Ids(resolver.Resolve(table, "general", "chat", ResolveMode.Take)));
        Assert.Equal(3, resolver.CounterValue("general"));
    }

    [Theory]
    [InlineData(Strategies.Scored)]
    [InlineData(Strategies.RoundRobin)]
    [InlineData(Strategies.LeastLoaded)]
    public void The_attempt_order_equals_explains_with_soft_filters_set_aside(string strategy)
    {
        var f = new RoutingFixture { Strategy = strategy };
        f.Service("h1/llama", "h1", assets: ["llama-3-8b"], p50: 100);
        f.Service("h2/qwen", "h2", assets: ["qwen3-8b"], p50: 300);
        f.Service("h3/cold", "h3", assets: ["qwen3-4b"], loaded: false, p50: 50);
        f.Service("h4/qwen", "h4", assets: ["qwen3-14b"], p50: 200);
        f.Role("mentor", policy: p => p with { PreferredFamilies = ["qwen3"], RequireLoaded = true });
        var table = f.Table();
        var resolver = f.CreateResolver();

        var resolved = resolver.Resolve(table, "mentor", "chat", ResolveMode.Peek);
        var (_, explain) = resolver.Explain(table, "mentor", "chat");

        Assert.Equal(explain!.AttemptOrder, Ids(resolved));
        Assert.Equal(["h2/qwen", "h4/qwen"], Ids(resolved).Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(["h1/llama", "h3/cold"], Ids(resolved).Skip(2).Order(StringComparer.Ordinal));
        Assert.All(resolved.AttemptFallbackVia, v => Assert.Null(v));
        Assert.Equal("role:mentor", resolved.RouteHeader);
    }
}
