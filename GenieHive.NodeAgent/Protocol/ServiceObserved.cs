namespace GenieHive.NodeAgent.Protocol;

/// <summary>A service's <c>observed</c> values (api.md §3.1); every field nullable.</summary>
internal sealed record ServiceObserved(
    double? P50LatencyMs = null,
    double? P95LatencyMs = null,
    double? TokensPerSec = null,
    long? QueueDepth = null,
    long? InFlight = null,
    long? LoadedModelCount = null,
    long? VramUsedBytes = null,
    long? MaxContextTokens = null)
{
    public static readonly ServiceObserved Empty = new();
}
