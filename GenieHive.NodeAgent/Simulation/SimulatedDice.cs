namespace GenieHive.NodeAgent.Simulation;

/// <summary>Jitter and failure draws of one simulated server; seeded (<c>seed</c>) for reproducible tests.</summary>
internal sealed class SimulatedDice(int? seed)
{
    private readonly Random? _seeded = seed is { } s ? new Random(s) : null;
    private readonly Lock _gate = new();

    /// <summary>One request's draw: whether it fails and its extra delay in [0, <paramref name="jitterMs"/>].</summary>
    public (bool Fails, double JitterMs) Roll(double failureRate, double jitterMs)
    {
        double failure, jitter;
        if (_seeded is null)
        {
            failure = Random.Shared.NextDouble();
            jitter = Random.Shared.NextDouble();
        }
        else
        {
            lock (_gate)
            {
                failure = _seeded.NextDouble();
                jitter = _seeded.NextDouble();
            }
        }

        return (failureRate > 0 && failure < failureRate, jitterMs * jitter);
    }
}
