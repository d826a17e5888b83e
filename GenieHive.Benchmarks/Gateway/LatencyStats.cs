namespace GenieHive.Benchmarks.Gateway;

/// <summary>Percentiles over recorded latencies (nearest-rank), in milliseconds.</summary>
internal sealed record LatencyStats(int Count, double P50, double P99, double P999, double Max)
{
    public static LatencyStats From(List<double> values)
    {
        if (values.Count == 0)
        {
            return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var sorted = values.ToArray();
        Array.Sort(sorted);
        return new LatencyStats(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), Rank(sorted, 0.999), sorted[^1]);
    }

    private static double Rank(double[] sorted, double p)
    {
        var index = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
