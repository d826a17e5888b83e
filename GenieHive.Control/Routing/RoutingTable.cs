using System.Collections.Frozen;
using System.Collections.Immutable;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// The immutable in-memory snapshot every read path uses (routing.md "A request reads one immutable registry
/// snapshot"). Built by the registry writer after each committed change and published by one reference swap
/// (<see cref="RoutingTableHolder"/>); requests read it once and never lock or touch SQLite.
/// Staleness is not baked in: it depends on the clock and is evaluated at read time from <see cref="HostRecord.LastSeen"/>.
/// </summary>
public sealed class RoutingTable
{
    private RoutingTable(
        ImmutableArray<HostRecord> hosts,
        ImmutableArray<ServiceRecord> services,
        ImmutableArray<RoleRecord> roles,
        ImmutableArray<BenchmarkSample> samples,
        RoutingSettings settings,
        long version)
    {
        Hosts = hosts;
        Services = services;
        Roles = roles;
        Samples = samples;
        Settings = settings;
        Version = version;
        HostsById = hosts.ToFrozenDictionary(h => h.HostId, StringComparer.Ordinal);
        ServicesById = services.ToFrozenDictionary(s => s.ServiceId, StringComparer.Ordinal);
        RolesById = roles.ToFrozenDictionary(r => r.RoleId, StringComparer.Ordinal);

        var byAsset = new Dictionary<string, List<ServiceRecord>>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var asset in service.Assets)
            {
                if (!byAsset.TryGetValue(asset.AssetId, out var list))
                {
                    byAsset[asset.AssetId] = list = [];
                }

                if (!list.Contains(service))
                {
                    list.Add(service);
                }
            }
        }

        ServicesByAssetId = byAsset.ToFrozenDictionary(p => p.Key, p => p.Value.ToImmutableArray(), StringComparer.Ordinal);
        SamplesByServiceId = samples.GroupBy(s => s.ServiceId, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToImmutableArray(), StringComparer.Ordinal);
        Index = new RouteIndex(this);
    }

    public static RoutingTable Empty { get; } = Create([], [], [], [], RoutingSettings.Default, 0);

    /// <summary>Hosts sorted by <c>host_id</c> (ordinal).</summary>
    public ImmutableArray<HostRecord> Hosts { get; }

    /// <summary>Services sorted by (<c>host_id</c>, <c>service_id</c>) (ordinal), the base order of round robin.</summary>
    public ImmutableArray<ServiceRecord> Services { get; }

    /// <summary>Roles sorted by <c>role_id</c> (ordinal).</summary>
    public ImmutableArray<RoleRecord> Roles { get; }

    /// <summary>Benchmark samples, <c>observed_at</c> descending then <c>benchmark_id</c>.</summary>
    public ImmutableArray<BenchmarkSample> Samples { get; }

    public RoutingSettings Settings { get; }

    /// <summary>Increases with each published snapshot.</summary>
    public long Version { get; }

    public FrozenDictionary<string, HostRecord> HostsById { get; }

    public FrozenDictionary<string, ServiceRecord> ServicesById { get; }

    public FrozenDictionary<string, RoleRecord> RolesById { get; }

    /// <summary>Services carrying an asset id, in <see cref="Services"/> order.</summary>
    public FrozenDictionary<string, ImmutableArray<ServiceRecord>> ServicesByAssetId { get; }

    public FrozenDictionary<string, ImmutableArray<BenchmarkSample>> SamplesByServiceId { get; }

    /// <summary>Routing's derived data (per-service facts, direct and role candidate orders), built with the snapshot.</summary>
    internal RouteIndex Index { get; }

    public static RoutingTable Create(
        IEnumerable<HostRecord> hosts,
        IEnumerable<ServiceRecord> services,
        IEnumerable<RoleRecord> roles,
        IEnumerable<BenchmarkSample> samples,
        RoutingSettings settings,
        long version) =>
        new(
            [.. hosts.OrderBy(h => h.HostId, StringComparer.Ordinal)],
            [.. services.OrderBy(s => s.HostId, StringComparer.Ordinal).ThenBy(s => s.ServiceId, StringComparer.Ordinal)],
            [.. roles.OrderBy(r => r.RoleId, StringComparer.Ordinal)],
            [.. samples.OrderByDescending(s => s.ObservedAt).ThenBy(s => s.BenchmarkId, StringComparer.Ordinal)],
            settings,
            version);

    /// <summary>D6: stale when <c>now − last_seen &gt; health_stale_after_s</c>; configured-provider hosts never are.</summary>
    public bool IsStale(HostRecord host, double now) =>
        now - host.LastSeen > Settings.HealthStaleAfterSeconds && !HostFacts.IsConfiguredProvider(host);
}
