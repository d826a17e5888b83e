namespace GenieHive.Control.Routing;

/// <summary>The routing knobs a snapshot carries (config.md §1.1 <c>routing.*</c>).</summary>
/// <param name="Strategy">One of <see cref="Strategies"/>; unknown configured values were mapped to <c>scored</c> at load.</param>
public sealed record RoutingSettings(double HealthStaleAfterSeconds, string Strategy)
{
    public static RoutingSettings Default { get; } = new(30, Strategies.Scored);
}

public static class Strategies
{
    public const string Scored = "scored";
    public const string RoundRobin = "round_robin";
    public const string LeastLoaded = "least_loaded";
}
