using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>
/// <c>POST /v1/cluster/benchmarks</c> bodies (benchmarks.md "Ingest"): <c>{"samples":[…]}</c>; <c>benchmark_id</c>,
/// <c>service_id</c>, <c>workload</c> strings and <c>observed_at</c> a number are required; <c>asset_id</c> string or
/// null; <c>results</c> an object (default <c>{}</c>). The first bad field → 400 naming it, nothing stored.
/// </summary>
public static class BenchmarkPayloadParser
{
    public static ApiError? TryParse(JsonElement root, out List<BenchmarkSample>? samples)
    {
        samples = null;
        if (!root.TryGetProperty("samples", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return ApiError.InvalidRequest("'samples' must be an array.", "samples");
        }

        var result = new List<BenchmarkSample>();
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var p = $"samples[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                return ApiError.InvalidRequest($"'{p}' must be an object.", p);
            }

            var benchmarkId = RequiredString(item, "benchmark_id", p, out var error);
            if (error is not null)
            {
                return error;
            }

            var serviceId = RequiredString(item, "service_id", p, out error);
            if (error is not null)
            {
                return error;
            }

            var workload = RequiredString(item, "workload", p, out error);
            if (error is not null)
            {
                return error;
            }

            if (!item.TryGetProperty("observed_at", out var observed) || observed.ValueKind != JsonValueKind.Number
                || !observed.TryGetDouble(out var observedAt) || !double.IsFinite(observedAt))
            {
                return ApiError.InvalidRequest($"'{p}.observed_at' is required and must be a number (Unix seconds).", $"{p}.observed_at");
            }

            string? assetId = null;
            if (item.TryGetProperty("asset_id", out var asset) && asset.ValueKind != JsonValueKind.Null)
            {
                if (asset.ValueKind != JsonValueKind.String)
                {
                    return ApiError.InvalidRequest($"'{p}.asset_id' must be a string or null.", $"{p}.asset_id");
                }

                assetId = asset.GetString();
            }

            var results = ClusterJson.EmptyObject;
            if (item.TryGetProperty("results", out var resultsValue) && resultsValue.ValueKind != JsonValueKind.Null)
            {
                if (resultsValue.ValueKind != JsonValueKind.Object)
                {
                    return ApiError.InvalidRequest($"'{p}.results' must be an object.", $"{p}.results");
                }

                results = resultsValue.Clone();
            }

            result.Add(new BenchmarkSample(benchmarkId!, serviceId!, assetId, workload!, observedAt, results));
            index++;
        }

        samples = result;
        return null;
    }

    private static string? RequiredString(JsonElement item, string name, string prefix, out ApiError? error)
    {
        error = null;
        if (item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        error = ApiError.InvalidRequest($"'{prefix}.{name}' is required and must be a non-empty string.", $"{prefix}.{name}");
        return null;
    }
}
