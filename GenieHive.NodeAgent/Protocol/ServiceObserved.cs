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

    /// <summary>N3 runtimes: memory the node's served models of this service's device take now (docs/runtimes.md).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? MemoryUsedBytes { get; init; }

    /// <summary>N3 runtimes: the node's memory budget for this service's device; null = not budgeted.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public long? MemoryBudgetBytes { get; init; }
}
