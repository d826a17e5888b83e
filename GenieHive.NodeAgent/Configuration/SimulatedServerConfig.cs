namespace GenieHive.NodeAgent.Configuration;

/// <summary>A <c>simulated[]</c> entry (config.md §2.4, N1); times in milliseconds.</summary>
internal sealed record SimulatedServerConfig(
    string Id,
    string ServiceId,
    string Kind,
    IReadOnlyList<SimulatedModelConfig> Models,
    string ListenHost,
    int Port,
    double TtftMs,
    double JitterMs,
    double TokensPerS,
    int CompletionTokens,
    int Dimensions,
    string Transcript,
    double FailureRate,
    string FailureMode,
    int FailureStatus,
    bool Killed,
    int? Seed);

/// <summary>A model a simulated server answers for.</summary>
internal sealed record SimulatedModelConfig(string Id, int? Context, string? Family, bool Loaded);
