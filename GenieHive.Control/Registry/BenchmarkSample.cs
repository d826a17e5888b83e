using System.Text.Json;

namespace GenieHive.Control.Registry;

/// <summary>A stored benchmark sample (benchmarks.md "Storage and keys").</summary>
/// <param name="ObservedAt">Unix seconds.</param>
/// <param name="Results">JSON object.</param>
public sealed record BenchmarkSample(
    string BenchmarkId,
    string ServiceId,
    string? AssetId,
    string Workload,
    double ObservedAt,
    JsonElement Results);
