using BenchmarkDotNet.Attributes;
using GenieHive.Control.Health;
using GenieHive.Control.Routing;

namespace GenieHive.Benchmarks.Routing;

/// <summary>One <see cref="RouteResolver.Resolve"/> on a snapshot of 10, 100 and 1,000 services.</summary>
[MemoryDiagnoser]
public class RouteResolutionBenchmarks
{
    private RouteResolver _resolver = null!;
    private RoutingTable _scored = null!;
    private RoutingTable _roundRobin = null!;
    private string _assetId = null!;

    [Params(10, 100, 1000)]
    public int Services { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var time = new FixedTime(DateTimeOffset.FromUnixTimeSeconds((long)RoutingBenchmarkCluster.Now));
        _resolver = new RouteResolver(new LiveStateStore(), time);
        _scored = RoutingBenchmarkCluster.Create(Services, Strategies.Scored);
        _roundRobin = RoutingBenchmarkCluster.Create(Services, Strategies.RoundRobin);
        _assetId = _scored.Services[Services / 2].Assets[0].AssetId;
        // The first resolution per snapshot builds its live-state array; keep it out of the measurement.
        _resolver.Resolve(_scored, "general", "chat", ResolveMode.Peek);
        _resolver.Resolve(_roundRobin, "general", "chat", ResolveMode.Peek);
    }

    [Benchmark]
    public RouteResolution DirectByAssetId() => _resolver.Resolve(_scored, _assetId, "chat", ResolveMode.Take);

    [Benchmark]
    public RouteResolution RoleScored() => _resolver.Resolve(_scored, "general", "chat", ResolveMode.Take);

    [Benchmark]
    public RouteResolution RoleScoredWithSoftFilters() => _resolver.Resolve(_scored, "mentor", "chat", ResolveMode.Take);

    [Benchmark]
    public RouteResolution RoleRoundRobin() => _resolver.Resolve(_roundRobin, "general", "chat", ResolveMode.Take);

    /// <summary>A clock that stands still, so hosts never go stale during a run.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
