using System.Collections.Frozen;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// Derived data of one <see cref="RoutingTable"/>: per-service facts, direct candidates per id (service id or asset
/// id) in direct order, and per-role precomputed routes. Built once with the snapshot, read-only afterwards.
/// </summary>
internal sealed class RouteIndex
{
    private LiveCache? _live;

    public RouteIndex(RoutingTable table)
    {
        var services = table.Services;
        Facts = new ServiceFacts[services.Length];
        Services = [.. services];
        Loaded = new bool[services.Length];
        FreshUntil = new double[services.Length];
        for (var i = 0; i < services.Length; i++)
        {
            table.HostsById.TryGetValue(services[i].HostId, out var host);
            var facts = Facts[i] = ServiceFacts.Create(services[i], host, i);
            Loaded[i] = facts.Loaded;
            FreshUntil[i] = host is null ? double.NegativeInfinity
                : facts.HostIsProvider ? double.PositiveInfinity
                : host.LastSeen + table.Settings.HealthStaleAfterSeconds;
        }

        var byId = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        void Add(string id, int index)
        {
            if (!byId.TryGetValue(id, out var list))
            {
                byId[id] = list = [];
            }

            if (!list.Contains(index))
            {
                list.Add(index);
            }
        }

        var serviceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < services.Length; i++)
        {
            serviceIndex[services[i].ServiceId] = i;
            Add(services[i].ServiceId, i);
            foreach (var asset in services[i].Assets)
            {
                Add(asset.AssetId, i);
            }
        }

        ServiceIndex = serviceIndex.ToFrozenDictionary(StringComparer.Ordinal);
        Direct = byId.ToFrozenDictionary(
            p => p.Key,
            p =>
            {
                var order = p.Value.ToArray();
                Array.Sort(order, CompareDirect);
                return order;
            },
            StringComparer.Ordinal);

        var roles = new Dictionary<string, RoleRoute>(StringComparer.Ordinal);
        foreach (var role in table.Roles)
        {
            roles[role.RoleId] = new RoleRoute(role, Facts);
        }

        Roles = roles.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Facts by service index (<see cref="RoutingTable.Services"/> order).</summary>
    public ServiceFacts[] Facts { get; }

    // Flat per-index copies of what every request reads for every candidate, so a resolution over many services
    // walks arrays instead of chasing one object per service.
    public ServiceRecord[] Services { get; }

    public bool[] Loaded { get; }

    /// <summary>Gate 2 freshness: the host is stale once now exceeds this (Unix s; +∞ for configured providers).</summary>
    public double[] FreshUntil { get; }

    public FrozenDictionary<string, int> ServiceIndex { get; }

    /// <summary>Service indexes whose <c>service_id</c> or an asset id equals the key, by (loaded desc, p50 asc, service_id).</summary>
    public FrozenDictionary<string, int[]> Direct { get; }

    public FrozenDictionary<string, RoleRoute> Roles { get; }

    public ServiceFacts? FactsFor(ServiceRecord service) =>
        ServiceIndex.TryGetValue(service.ServiceId, out var i) ? Facts[i] : null;

    /// <summary>
    /// The live state of every service of this snapshot, by index, taken from <paramref name="store"/> once per
    /// snapshot so a request does not hash every service id. The objects are the store's own (same instances the
    /// proxy updates); a service leaving the registry arrives with a new snapshot and a new array.
    /// </summary>
    public ServiceLiveState[] LiveStates(LiveStateStore store)
    {
        var cache = _live;
        if (cache is not null && ReferenceEquals(cache.Store, store))
        {
            return cache.States;
        }

        var states = new ServiceLiveState[Facts.Length];
        for (var i = 0; i < states.Length; i++)
        {
            states[i] = store.Get(Facts[i].Service.ServiceId);
        }

        _live = new LiveCache(store, states);
        return states;
    }

    /// <summary>Ascending with null as +∞.</summary>
    public static int ComparePrecedingNullLast(double? a, double? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        _ => a.Value.CompareTo(b.Value),
    };

    private int CompareDirect(int a, int b)
    {
        var c = Facts[b].Loaded.CompareTo(Facts[a].Loaded);
        if (c != 0)
        {
            return c;
        }

        c = ComparePrecedingNullLast(Facts[a].P50, Facts[b].P50);
        return c != 0 ? c : string.CompareOrdinal(Facts[a].Service.ServiceId, Facts[b].Service.ServiceId);
    }

    private sealed record LiveCache(LiveStateStore Store, ServiceLiveState[] States);
}
