using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// One role's candidates after steps 3–6 (dynamic gates, <c>require_loaded</c>, <c>preferred_families</c>) as of
/// one live-state version and a time window: kept and set aside, each in the strategy's source order (scored order,
/// or the round-robin base order). Immutable; <see cref="RoleRoute"/> keeps the latest one per gate-6 mode and a
/// resolution reuses it while <see cref="IsValid"/>, so an unchanged cluster is not re-gated on every request.
/// </summary>
internal sealed class RoleCandidates
{
    private RouteResolution? _scored;

    public RoleCandidates(
        LiveStateStore store, long version, double from, double freshUntil, double passiveUntil, int[] kept, int[] aside, bool anyLoaded, ServiceRecord[] services)
    {
        Store = store;
        Version = version;
        From = from;
        FreshUntil = freshUntil;
        PassiveUntil = passiveUntil;
        Kept = kept;
        Aside = aside;
        AnyLoaded = anyLoaded;
        Ordered = new ServiceRecord[kept.Length + aside.Length];
        for (var k = 0; k < kept.Length; k++)
        {
            Ordered[k] = services[kept[k]];
        }

        for (var k = 0; k < aside.Length; k++)
        {
            Ordered[kept.Length + k] = services[aside[k]];
        }

        NoFallbackVia = new string?[kept.Length + aside.Length];
    }

    public LiveStateStore Store { get; }

    public long Version { get; }

    /// <summary>When it was computed (Unix s): a clock that went back may see a stale host fresh again.</summary>
    public double From { get; }

    /// <summary>The earliest end of freshness (gate 2) among the candidates that were fresh: valid while now ≤ it.</summary>
    public double FreshUntil { get; }

    /// <summary>The earliest time-driven gate-6 change (hold or cooldown end): valid while now &lt; it.</summary>
    public double PassiveUntil { get; }

    /// <summary>Step 7's survivors, service indexes in source order.</summary>
    public int[] Kept { get; }

    /// <summary>Set aside by steps 5–6, in source order.</summary>
    public int[] Aside { get; }

    /// <summary><c>require_loaded</c> found a loaded survivor (explain's <c>not_loaded</c>).</summary>
    public bool AnyLoaded { get; }

    /// <summary>The services of <see cref="Kept"/> then <see cref="Aside"/> (never written after construction).</summary>
    public ServiceRecord[] Ordered { get; }

    /// <summary>All null, one per candidate: the attempt order's fallback tags of a role without fallbacks (never written).</summary>
    public string?[] NoFallbackVia { get; }

    public bool IsValid(LiveStateStore store, long version, double now) =>
        ReferenceEquals(store, Store) && version == Version && now >= From && now <= FreshUntil && now < PassiveUntil;

    /// <summary>The scored resolution of a role without fallback roles: nothing in it depends on the request.</summary>
    public RouteResolution ScoredResolution(RoleRoute route)
    {
        // Scored order is source order: kept then set aside, each already by the scored key.
        return _scored ??= RouteResolver.RoleResolution(route, Ordered, NoFallbackVia);
    }
}
