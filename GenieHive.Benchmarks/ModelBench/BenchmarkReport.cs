using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenieHive.Benchmarks.ModelBench;

/// <summary>
/// The report file format (benchmarks.md "Report file format"): writing a run's report, and converting any report
/// into the stored-sample bodies that <c>POST /v1/cluster/benchmarks</c> takes.
/// </summary>
internal static class BenchmarkReport
{
    public const string Source = "geniehive-benchmark-runner";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The runner's report: one sample per answering service, keys sorted, indent 2.</summary>
    public static JsonObject Create(string model, string workload, double observedAt,
        IEnumerable<(string ServiceId, JsonObject Results)> groups) => new()
        {
            ["observed_at"] = observedAt,
            ["report_id"] = $"{model}-{workload}",
            ["samples"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
            {
                ["asset_id"] = null,
                ["benchmark_id"] = null,
                ["observed_at"] = observedAt,
                ["results"] = g.Results,
                ["service_id"] = g.ServiceId,
                ["workload"] = workload,
            })]),
            ["source"] = Source,
        };

    /// <summary>Serialises with keys sorted at every level and an indent of 2.</summary>
    public static string ToSortedJson(JsonNode node)
    {
        var json = Sort(node)?.ToJsonString(Indented) ?? "null";
        return json.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(Sort)]),
        null => null,
        _ => node.DeepClone(),
    };

    /// <summary>
    /// Converts a report to the samples to store. Throws <see cref="FormatException"/> with a clear message for a
    /// malformed report (not an object, samples not a list, a sample without service_id/workload, no observed_at).
    /// </summary>
    public static JsonArray ToSamples(JsonNode? report)
    {
        if (report is not JsonObject root)
        {
            throw new FormatException("the report must be a JSON object");
        }

        var reportId = OptionalString(root, "report_id", "report_id");
        var source = OptionalString(root, "source", "source");
        var reportObservedAt = OptionalNumber(root, "observed_at", "observed_at");
        var samples = root["samples"] switch
        {
            null => [],
            JsonArray a => a,
            _ => throw new FormatException("samples must be a list"),
        };

        var output = new JsonArray();
        for (var i = 0; i < samples.Count; i++)
        {
            var path = $"samples[{i}]";
            if (samples[i] is not JsonObject sample)
            {
                throw new FormatException($"{path} must be an object");
            }

            var serviceId = OptionalString(sample, "service_id", $"{path}.service_id")
                ?? throw new FormatException($"{path}.service_id is required");
            var workload = OptionalString(sample, "workload", $"{path}.workload")
                ?? throw new FormatException($"{path}.workload is required");
            var assetId = OptionalString(sample, "asset_id", $"{path}.asset_id");
            var observedAt = OptionalNumber(sample, "observed_at", $"{path}.observed_at") ?? reportObservedAt
                ?? throw new FormatException("Benchmark report sample is missing observed_at and report has no default observed_at.");
            var results = sample["results"] switch
            {
                null => new JsonObject(),
                JsonObject r => (JsonObject)r.DeepClone(),
                _ => throw new FormatException($"{path}.results must be an object"),
            };

            if (source is not null && !results.ContainsKey("source"))
            {
                results["source"] = source;
            }

            var benchmarkId = OptionalString(sample, "benchmark_id", $"{path}.benchmark_id")
                ?? DerivedId(reportId, serviceId, assetId, workload, observedAt, i);
            output.Add(new JsonObject
            {
                ["benchmark_id"] = benchmarkId,
                ["service_id"] = serviceId,
                ["asset_id"] = assetId,
                ["workload"] = workload,
                ["observed_at"] = observedAt,
                ["results"] = results,
            });
        }

        return output;
    }

    /// <summary><c>bench_</c> + the first 16 hex digits of SHA-1 over the id material, as the Python GenieHive did.</summary>
    public static string DerivedId(string? reportId, string serviceId, string? assetId, string workload, double observedAt, int index)
    {
        var material = $"{reportId ?? "report"}|{serviceId}|{assetId ?? ""}|{workload}|{FormatSeconds(observedAt)}|{index}";
        // Not a security use: the id scheme must match the Python GenieHive's (SHA-1) so re-ingested reports upsert.
#pragma warning disable CA5350
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(material));
#pragma warning restore CA5350
        return "bench_" + Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>Shortest round-trip decimal, with <c>.0</c> when integral (Python's <c>str(float)</c>).</summary>
    public static string FormatSeconds(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string? OptionalString(JsonObject obj, string key, string path) => obj[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new FormatException($"{path} must be a string"),
    };

    private static double? OptionalNumber(JsonObject obj, string key, string path) => obj[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        _ => throw new FormatException($"{path} must be a number (Unix seconds)"),
    };
}
