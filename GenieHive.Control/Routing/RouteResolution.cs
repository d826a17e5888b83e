using System.Collections.Immutable;
using GenieHive.Control.Registry;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Routing;

/// <summary>
/// The outcome of resolving a requested id once (routing.md "Route resolution"). Either <see cref="Error"/> is set
/// (400 <c>operation_mismatch</c>, 404 <c>model_not_found</c>, 503 <c>no_healthy_target</c>, with
/// <see cref="RetryAfterSeconds"/> when only cooldowns block), or the route is known: <see cref="Service"/> is the
/// first target and <see cref="AttemptOrder"/> the failover order of step 8 (first element = <see cref="Service"/>).
/// A role with nothing eligible has <see cref="Service"/> null and an empty attempt order (the resolve endpoint
/// answers 200 with <c>service: null</c>; proxied routes answer 503).
/// </summary>
public sealed record RouteResolution
{
    public ApiError? Error { get; init; }

    public int? RetryAfterSeconds { get; init; }

    /// <summary><c>direct</c> or <c>role</c>.</summary>
    public string MatchType { get; init; } = "direct";

    /// <summary>The operation the request is for (the role's when a role matched).</summary>
    public string? Operation { get; init; }

    /// <summary>The primary role (its request policy and persona apply), or null for direct routes.</summary>
    public RoleRecord? Role { get; init; }

    public ServiceRecord? Service { get; init; }

    /// <summary>The first-level fallback role that supplied <see cref="Service"/>, or null.</summary>
    public string? FallbackVia { get; init; }

    public ImmutableArray<ServiceRecord> AttemptOrder { get; init; } = [];

    /// <summary>
    /// For each entry of <see cref="AttemptOrder"/>, the fallback role it came from (null for the primary route),
    /// so <c>X-GenieHive-Route</c> names the right one after failover.
    /// </summary>
    public ImmutableArray<string?> AttemptFallbackVia { get; init; } = [];

    /// <summary><c>X-GenieHive-Route</c> for <see cref="Service"/>: <c>direct</c>, <c>role:&lt;id&gt;</c> or <c>role:&lt;id&gt;;fallback_via=&lt;id&gt;</c>.</summary>
    public string? RouteHeader { get; init; }

    public bool IsError => Error is not null;
}

public enum ResolveMode
{
    /// <summary>Resolve endpoint, <c>/v1/models</c>, route match: nothing moves (D3).</summary>
    Peek,

    /// <summary>A request about to be proxied: round-robin counters advance once.</summary>
    Take,
}
