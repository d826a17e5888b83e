using System.Collections.Frozen;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// A role's routing data fixed by one snapshot: the services passing every gate that does not depend on the clock
/// or live state, in scored order and in round-robin base order, each one's family rank and guardrail match, and
/// the <c>X-GenieHive-Route</c> values, so a request only filters a precomputed list.
/// </summary>
internal sealed class RoleRoute
{
    public RoleRoute(RoleRecord role, ServiceFacts[] facts)
    {
        Role = role;
        var policy = role.RoutingPolicy;
        var eligible = new List<int>();
        FamilyRank = new int[facts.Length];
        Guardrail = new int[facts.Length];
        foreach (var f in facts)
        {
            FamilyRank[f.Index] = f.FamilyRank(policy.PreferredFamilies);
            Guardrail[f.Index] = f.GuardrailMatch(policy.GuardrailProfile);
            if (f.Service.Kind == role.Operation
                && EligibilityGates.StateFailure(f, live: null, includeHostOffline: true) is null
                && EligibilityGates.RolePolicyFailure(f, role) is null)
            {
                eligible.Add(f.Index);
            }
        }

        BaseOrder = [.. eligible];
        var scored = eligible.ToArray();
        Array.Sort(scored, (a, b) => CompareScored(facts, a, b));
        ScoredOrder = scored;
        Header = "role:" + role.RoleId;
        var via = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var fallback in policy.FallbackRoles)
        {
            via.TryAdd(fallback, Header + ";fallback_via=" + fallback);
        }

        HeaderVia = via.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public RoleRecord Role { get; }

    /// <summary>Statically eligible service indexes in (<c>host_id</c>, <c>service_id</c>) order.</summary>
    public int[] BaseOrder { get; }

    /// <summary>Statically eligible service indexes by the scored key <c>(G, F, L, −p50, service_id)</c>.</summary>
    public int[] ScoredOrder { get; }

    /// <summary><c>rank(S)</c> by service index.</summary>
    public int[] FamilyRank { get; }

    /// <summary>Scored key G by service index.</summary>
    public int[] Guardrail { get; }

    public string Header { get; }

    public FrozenDictionary<string, string> HeaderVia { get; }

    public string HeaderFor(string? fallbackVia) =>
        fallbackVia is null ? Header
        : HeaderVia.TryGetValue(fallbackVia, out var header) ? header
        : Header + ";fallback_via=" + fallbackVia;

    private int CompareScored(ServiceFacts[] facts, int a, int b)
    {
        var c = Guardrail[b].CompareTo(Guardrail[a]);
        if (c != 0)
        {
            return c;
        }

        c = FamilyRank[b].CompareTo(FamilyRank[a]);
        if (c != 0)
        {
            return c;
        }

        c = facts[b].Loaded.CompareTo(facts[a].Loaded);
        if (c != 0)
        {
            return c;
        }

        c = RouteIndex.ComparePrecedingNullLast(facts[a].P50, facts[b].P50);
        return c != 0 ? c : string.CompareOrdinal(facts[a].Service.ServiceId, facts[b].Service.ServiceId);
    }
}
