using System.Text.Json.Nodes;

namespace GenieHive.Control.Routing;

/// <summary>Strategy keys shown by explain (routing.md "Route headers and explain").</summary>
internal static class ExplainKeys
{
    /// <summary>Role candidates: scored <c>{guardrail_match, family_match, loaded, p50_latency_ms}</c>; least loaded <c>{load, p50_latency_ms}</c>.</summary>
    public static JsonObject Role(string strategy, RoleRoute route, ServiceFacts facts, long load, int position) => strategy switch
    {
        Strategies.LeastLoaded => new JsonObject { ["load"] = load, ["p50_latency_ms"] = facts.P50 },
        Strategies.RoundRobin => Rotation(position),
        _ => new JsonObject
        {
            ["guardrail_match"] = route.Guardrail[facts.Index],
            ["family_match"] = route.FamilyRank[facts.Index],
            ["loaded"] = facts.Loaded,
            ["p50_latency_ms"] = facts.P50,
        },
    };

    /// <summary>Round robin: the candidate's position in the base order (<c>host_id</c>, <c>service_id</c>) of its group.</summary>
    public static JsonObject Rotation(int position) => new() { ["rotation_index"] = position };

    /// <summary>Direct: <c>{loaded, p50_latency_ms}</c>, plus the strategy's key for candidates tied on loaded.</summary>
    public static JsonObject Direct(ServiceFacts facts, string? tiedStrategy, long load, int? position)
    {
        var key = new JsonObject { ["loaded"] = facts.Loaded, ["p50_latency_ms"] = facts.P50 };
        if (tiedStrategy == Strategies.RoundRobin)
        {
            key["rotation_index"] = position;
        }
        else if (tiedStrategy == Strategies.LeastLoaded)
        {
            key["load"] = load;
        }

        return key;
    }
}
