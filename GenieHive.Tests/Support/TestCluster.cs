using System.Collections.Immutable;
using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Support;

/// <summary>Builds registry records and a <see cref="RoutingTable"/> by hand, as the registry writer would publish them.</summary>
internal static class TestCluster
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static HostRecord Host(string hostId, double lastSeen) =>
        new(hostId, hostId, "127.0.0.1", EmptyObject, EmptyObject, EmptyObject, EmptyObject, "online", lastSeen, null, null, null);

    public static ServiceRecord Service(
        string serviceId, string hostId, string endpoint, string kind = Operations.Chat, string[]? assets = null,
        string runtime = "{}", double? p50 = null) =>
        new(serviceId, hostId, kind, "openai", endpoint, Json(runtime),
            [.. (assets ?? []).Select(a => new AssetRecord(a, true, null, null, null, null))],
            new ServiceState("healthy", null, "available", true, true),
            ServiceObserved.Empty with { P50LatencyMs = p50 },
            0, 0);

    public static RoleRecord Role(string roleId, string operation = Operations.Chat) =>
        new(roleId, roleId, null, operation, "text", PromptPolicy.Empty, RoutingPolicy.Default, 0, 0);

    public static RoutingTable Table(IEnumerable<ServiceRecord> services, IEnumerable<RoleRecord>? roles = null, double now = 0)
    {
        var list = services.ToList();
        var hosts = list.Select(s => s.HostId).Distinct().Select(h => Host(h, now));
        return RoutingTable.Create(hosts, list, roles ?? [], [], RoutingSettings.Default, 1);
    }

    /// <summary>Unix seconds of <paramref name="time"/>, as the control plane computes "now".</summary>
    public static double Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
