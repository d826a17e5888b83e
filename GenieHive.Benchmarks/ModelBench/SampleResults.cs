using System.Text.Json.Nodes;

namespace GenieHive.Benchmarks.ModelBench;

/// <summary>Aggregates a group of case results into a sample's <c>results</c> object (benchmarks.md "Runner").</summary>
internal static class SampleResults
{
    public static JsonObject Aggregate(IReadOnlyList<CaseResult> cases, string requestedModel)
    {
        var n = cases.Count;
        var denominator = Math.Max(1, n);
        var passed = cases.Count(c => c.Passed);
        return new JsonObject
        {
            ["case_count"] = n,
            ["completion_tokens"] = n == 0 ? 0 : (long)(cases.Sum(c => (double)c.CompletionTokens) / n),
            ["empty_visible_response_rate"] = (double)(n - passed) / denominator,
            ["p50_latency_ms"] = Median(cases.Select(c => c.LatencyMs)),
            ["pass_rate"] = (double)passed / denominator,
            ["prompt_tokens"] = n == 0 ? 0 : (long)(cases.Sum(c => (double)c.PromptTokens) / n),
            ["requested_model"] = requestedModel,
            ["response_rate"] = (double)n / denominator,
            ["tokens_per_sec"] = Median(cases.Where(c => c.TokensPerSec is not null).Select(c => c.TokensPerSec!.Value)),
            ["ttft_ms"] = Median(cases.Where(c => c.TtftMs is not null).Select(c => c.TtftMs!.Value)),
        };
    }

    /// <summary>Median; an even count takes the mean of the two middle values; null when empty.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
