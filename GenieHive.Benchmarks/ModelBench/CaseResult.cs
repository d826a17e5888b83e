namespace GenieHive.Benchmarks.ModelBench;

/// <summary>What one case measured (benchmarks.md "Runner" step 3).</summary>
internal sealed record CaseResult(
    string CaseId,
    string ServiceId,
    double LatencyMs,
    long PromptTokens,
    long CompletionTokens,
    double? TtftMs,
    double? TokensPerSec,
    bool Passed);
