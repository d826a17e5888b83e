using System.Collections.Immutable;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// The <c>explain</c> object of <c>GET /v1/cluster/routes/resolve?explain=true</c> (api.md §4.3, routing.md
/// "Route headers and explain"): the primary level's candidates and fallbacks, plus the attempt order.
/// </summary>
public sealed class RouteExplain
{
    public required string Requested { get; init; }

    public string? Operation { get; init; }

    /// <summary>The <c>X-GenieHive-Route</c> a request would get, or null.</summary>
    public string? Route { get; init; }

    /// <summary><c>direct</c> for direct routes, else the configured strategy.</summary>
    public required string Strategy { get; init; }

    public required ExplainLevel Level { get; init; }

    public ImmutableArray<string> AttemptOrder { get; init; } = [];
}

/// <summary>One resolution level (the requested id, or a fallback role): ranked then excluded services, its fallbacks.</summary>
public sealed class ExplainLevel
{
    public List<ExplainCandidate> Ranked { get; } = [];

    public List<ExplainCandidate> Excluded { get; } = [];

    public List<ExplainFallback> Fallbacks { get; } = [];

    /// <summary>Ranked in route order, then excluded by <c>service_id</c>.</summary>
    public IEnumerable<ExplainCandidate> Candidates =>
        Ranked.Concat(Excluded.OrderBy(c => c.Service.ServiceId, StringComparer.Ordinal));
}

/// <param name="Rank">1-based position in route order for eligible candidates.</param>
/// <param name="ExcludedBy">The first failing gate code (or <c>not_loaded</c>/<c>lower_preferred_family</c>).</param>
/// <param name="Key">The strategy key of an eligible candidate.</param>
public sealed record ExplainCandidate(ServiceRecord Service, int? Rank, string? ExcludedBy, JsonObject? Key)
{
    public bool Eligible => ExcludedBy is null;
}

/// <param name="Outcome"><c>used</c> or <c>skipped</c>.</param>
/// <param name="Reason"><c>cycle</c>, <c>unknown_role</c>, <c>operation_mismatch</c>, <c>no_target</c>, or null.</param>
/// <param name="Level">Set when the fallback was resolved (its own candidates and fallbacks).</param>
public sealed record ExplainFallback(string RoleId, string Outcome, string? Reason, ExplainLevel? Level);
