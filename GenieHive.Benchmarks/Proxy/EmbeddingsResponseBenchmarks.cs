using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using GenieHive.Control.Proxy;

namespace GenieHive.Benchmarks.Proxy;

/// <summary>
/// The control plane's work on a buffered embeddings response before relaying it unchanged (routing.md "Streaming
/// and response sanitising"): finding and reading the top-level <c>usage</c> for the token metrics. The body is the
/// shape MiniLM answers for 8 sentences (8 × 384 floats, about 60 KB), with <c>usage</c> at the end as OpenAI and
/// llama.cpp put it.
/// </summary>
[MemoryDiagnoser]
public class EmbeddingsResponseBenchmarks
{
    private static readonly byte[] Body = MakeBody(8, 384);

    [Benchmark(Baseline = true)]
    public bool ReadUsage() => TokenUsage.TryReadWhole(Body, out _);

    [Benchmark]
    public bool ReadUsageByFullScan() => TokenUsage.TryRead(Body, out _, out _);

    private static byte[] MakeBody(int inputs, int dimensions)
    {
        var random = new Random(7);
        var json = new StringBuilder("""{"object":"list","data":[""");
        for (var i = 0; i < inputs; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("""{"object":"embedding","index":""").Append(i).Append(""","embedding":[""");
            for (var d = 0; d < dimensions; d++)
            {
                json.Append(d == 0 ? "" : ",").Append(((random.NextDouble() * 0.2) - 0.1).ToString("R", CultureInfo.InvariantCulture));
            }

            json.Append("]}");
        }

        json.Append("""],"model":"all-minilm-l6-v2","usage":{"prompt_tokens":96,"total_tokens":96}}""");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
