using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using GenieHive.Benchmarks.Cli;
using GenieHive.Benchmarks.Gateway;
using GenieHive.NodeAgent.Runtimes;
using Microsoft.Extensions.DependencyInjection;

namespace GenieHive.Benchmarks.Runtime;

/// <summary>
/// <c>geniehive-bench runtime</c>: what serving a model through GenieHive costs (docs/runtimes.md "Benchmark").
/// The built control plane and node agent run as their own processes (as in production, and as the gateway benchmark
/// runs them). One client streams the same chat requests straight at a model's runtime host and through GenieHive
/// (client → control plane → the agent's endpoint for the model → the same runtime host), alternating, and reports time to
/// first token and tokens per second of both (and of the agent's endpoint alone, to tell the two hops apart); then MiniLM embeddings per second the same way. The models are the
/// generated tiny llama and a slower one of a few tens of millions of parameters, written to a temporary folder.
/// </summary>
internal static class RuntimeCommand
{
    public const string Usage = "usage: geniehive-bench runtime [--requests N] [--max-tokens N] [--ttft-requests N] [--embedding-requests N] [--warmup N] [--models tiny,slower] [--threads N] [--cpus LIST]";

    private static readonly string[] Sentences =
    [
        "a cat sat on the mat", "a kitten rested on the rug", "stock markets fell sharply today", "the river ran fast after the rain",
        "she planted tomatoes in the garden", "the train to the city was late", "a new phone was announced", "bread is baked at dawn",
    ];

    private const int TtftMaxTokens = 2;

    private sealed record Stream(double TtftMs, double TokensPerS, int Tokens);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var options = CliOptions.Parse(args, new HashSet<string> { "requests", "max-tokens", "ttft-requests", "embedding-requests", "warmup", "models", "threads", "cpus" }, new HashSet<string>());
        var requests = options.GetInt("requests", 12, 1, 10_000);
        var maxTokens = options.GetInt("max-tokens", 96, 2, 1900);
        var embeddingRequests = options.GetInt("embedding-requests", 40, 1, 100_000);

        // TTFT from short streams of their own: the first token does not depend on max_tokens, and the model's own
        // TTFT varies by milliseconds from request to request, so the ≤ 1 ms question needs many rounds.
        var ttftRequests = options.GetInt("ttft-requests", 1000, 1, 100_000);

        // Requests per path before measuring: past the tier-0 JIT call counts of the fresh processes' request paths.
        var warmup = options.GetInt("warmup", 60, 0, 10_000);
        var threads = options.Get("threads");

        // runtimes[].cpus for the model processes (docs/runtimes.md "CPU pinning"), e.g. 1 on a 2-core machine.
        var cpus = options.Get("cpus");
        if (cpus is not null && GenieHive.NodeAgent.Configuration.CpuList.Parse(cpus, out var cpuError) is null)
        {
            throw new CliException($"--cpus: {cpuError}");
        }

        var names = options.Get("models", "tiny,slower").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var dir = Path.Combine(Path.GetTempPath(), "geniehive-bench-runtime-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(dir);
        try
        {
            var files = new List<string>();
            foreach (var name in names)
            {
                var model = name switch
                {
                    "tiny" => TinyLlamaModel.Tiny,
                    "slower" => TinyLlamaModel.Slower,
                    _ => throw new CliException($"unknown model \"{name}\"; use tiny or slower"),
                };
                var clock = Stopwatch.StartNew();
                files.Add(model.Write(Path.Combine(dir, $"bench-{name}.gguf")));
                await stderr.WriteLineAsync($"runtime: wrote bench-{name}.gguf ({model.ParameterCount / 1e6:0.0} M parameters) in {clock.ElapsedMilliseconds} ms");
            }

            var threadsLine = (threads is null ? "" : $", threads: {threads}") + (cpus is null ? "" : $", cpus: \"{cpus}\"");
            var runtimesYaml = $$"""
                runtimes:
                  - { id: "gguf", engine: "llamacpp", paths: [{{string.Join(", ", files.Select(f => JsonSerializer.Serialize(f)))}}], preload: true{{threadsLine}} }
                  - { id: "minilm", engine: "minilm", preload: true{{threadsLine}} }

                """;
            var services = new ServiceCollection();
            services.AddHttpClient("runtime").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
            });
            await using var provider = services.BuildServiceProvider();
            using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("runtime");
            http.Timeout = TimeSpan.FromMinutes(10);
            http.DefaultRequestHeaders.Authorization = new("Bearer", StandaloneCluster.ClientKey);

            // The built control plane and node agent as their own processes, as production runs them.
            await using var cluster = await StandaloneCluster.StartAsync(http, stderr, StandaloneCluster.DefaultSimulated,
                StandaloneCluster.DefaultRoles, ct, runtimesYaml);
            var controlUrl = cluster.ControlUrl.ToString().TrimEnd('/');
            var assetIds = files.Select(f => ModelIds.FromFileName(f)).Append(RuntimeModel.MiniLmAssetId).ToList();
            var runtimes = await WaitForRuntimesAsync(http, controlUrl, assetIds, ct);

            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"streamed chat, temperature 0, paths rotated per round: tokens/s from {requests} requests per path at max_tokens {maxTokens}, TTFT from {ttftRequests} at max_tokens {TtftMaxTokens}");
            report.AppendLine("model             params  path       ttft p50 ms  tok/s p50  tok/s mean   (overhead: GenieHive against direct, [95 % bootstrap interval])");
            foreach (var (name, file) in names.Zip(files))
            {
                var assetId = ModelIds.FromFileName(file);
                var (direct, endpoint) = runtimes[assetId];
                var body = $$"""{"model":"{{assetId}}","stream":true,"max_tokens":{{maxTokens}},"temperature":0,"seed":1,"messages":[{"role":"user","content":"tell me a story about the river"}]}""";
                // Warm-up: the control plane and agent are fresh processes, so their request paths start in tier-0
                // JIT code; short streams on every path until tiered compilation has promoted them.
                var shortBody = body.Replace($"\"max_tokens\":{maxTokens}", $"\"max_tokens\":{TtftMaxTokens}", StringComparison.Ordinal);
                for (var w = 0; w < warmup; w++)
                {
                    await StreamAsync(http, direct, shortBody, ct);
                    await StreamAsync(http, endpoint, shortBody, ct);
                    await StreamAsync(http, controlUrl, shortBody, ct);
                }

                await StreamAsync(http, direct, body, ct);
                await StreamAsync(http, endpoint, body, ct);
                await StreamAsync(http, controlUrl, body, ct);
                var (directRuns, agentRuns, hiveRuns) = await RoundsAsync(http, [direct, endpoint, controlUrl], body, requests, ct);
                var (directFirst, agentFirst, hiveFirst) = await RoundsAsync(http, [direct, endpoint, controlUrl], shortBody, ttftRequests, ct);

                var parameters = (name == "tiny" ? TinyLlamaModel.Tiny : TinyLlamaModel.Slower).ParameterCount / 1e6;
                Row(report, assetId, parameters, "direct", directFirst, directRuns);
                Row(report, "", parameters, "agent", agentFirst, agentRuns);
                Row(report, "", parameters, "geniehive", hiveFirst, hiveRuns);
                // Tokens/s change (negative: lost) and TTFT added, each with a 95 % bootstrap interval: as the medians of
                // the paths, and paired by round (each round ran every path back to back, so slow drift in the machine's
                // load cancels out: the median of the per-round differences).
                var directRate = directRuns.Select(r => r.TokensPerS).ToArray();
                var hiveRate = hiveRuns.Select(r => r.TokensPerS).ToArray();
                var directTtft = directFirst.Select(r => r.TtftMs).ToArray();
                var hiveTtft = hiveFirst.Select(r => r.TtftMs).ToArray();
                var rateChange = directRate.Zip(hiveRate, (d, h) => (h / d) - 1).ToArray();
                var ttftAdded = directTtft.Zip(hiveTtft, (d, h) => h - d).ToArray();
                double Ratio(int[] d, int[] h) => (Median(h.Select(i => hiveRate[i])) / Median(d.Select(i => directRate[i]))) - 1;
                double Shift(int[] d, int[] h) => Median(h.Select(i => hiveTtft[i])) - Median(d.Select(i => directTtft[i]));
                Overhead(report, "medians", Ratio(Identity(directRate.Length), Identity(hiveRate.Length)), Bootstrap(directRate.Length, hiveRate.Length, Ratio),
                    Shift(Identity(directTtft.Length), Identity(hiveTtft.Length)), Bootstrap(directTtft.Length, hiveTtft.Length, Shift));
                Overhead(report, "paired by round", Median(rateChange), Bootstrap(rateChange.Length, 0, (r, _) => Median(r.Select(i => rateChange[i]))),
                    Median(ttftAdded), Bootstrap(ttftAdded.Length, 0, (r, _) => Median(r.Select(i => ttftAdded[i]))));
            }

            var minilm = runtimes[RuntimeModel.MiniLmAssetId];
            var embedBody = JsonSerializer.Serialize(new Dictionary<string, object> { ["model"] = RuntimeModel.MiniLmAssetId, ["input"] = Sentences });
            var embedPaths = new[] { minilm.Direct, minilm.Endpoint, controlUrl };
            var embedMs = new[] { new List<double>(), new List<double>(), new List<double>() };
            foreach (var url in embedPaths)
            {
                for (var w = 0; w < warmup; w++)
                {
                    await EmbedAsync(http, url, embedBody, ct);
                }
            }

            for (var i = 0; i < embeddingRequests; i++)
            {
                // Rotated like the chat rows, one request per path per round.
                for (var k = 0; k < 3; k++)
                {
                    var path = (i + k) % 3;
                    embedMs[path].Add(await EmbedAsync(http, embedPaths[path], embedBody, ct));
                }
            }

            var directMs = Median(embedMs[0]);
            report.AppendLine(CultureInfo.InvariantCulture, $"MiniLM embeddings ({Sentences.Length} sentences per request, {embeddingRequests} requests per path; request p50 ms, sentences/s at that p50):");
            foreach (var (label, path) in new[] { ("direct", 0), ("agent", 1), ("geniehive", 2) })
            {
                var ms = Median(embedMs[path]);
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"  {label,-10} {ms,8:0.00} ms  {Sentences.Length * 1000 / ms,8:0.0}/s  ({(directMs / ms - 1) * 100:+0.0;-0.0} %, {ms - directMs:+0.00;-0.00} ms)");
            }

            await stdout.WriteAsync(report.ToString());
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Waits until every runtime service is registered with its model loaded, and returns each asset's runtime host
    /// (<c>runtime.host_port</c>, the direct path) and the agent's endpoint for it.
    /// </summary>
    private static async Task<Dictionary<string, (string Direct, string Endpoint)>> WaitForRuntimesAsync(
        HttpClient http, string controlUrl, IReadOnlyList<string> assetIds, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync(controlUrl + "/v1/cluster/services", ct));
            var found = new Dictionary<string, (string Direct, string Endpoint)>();
            foreach (var service in document.RootElement.GetProperty("data").EnumerateArray())
            {
                var asset = service.GetProperty("assets").EnumerateArray().FirstOrDefault();
                var runtime = service.GetProperty("runtime");
                if (asset.ValueKind == JsonValueKind.Object && asset.GetProperty("loaded").GetBoolean()
                    && runtime.TryGetProperty("host_port", out var port) && port.ValueKind == JsonValueKind.Number)
                {
                    found[asset.GetProperty("asset_id").GetString()!] = ($"http://127.0.0.1:{port.GetInt32()}", service.GetProperty("endpoint").GetString()!);
                }
            }

            if (assetIds.All(found.ContainsKey))
            {
                return found;
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new CliException("the models did not load and register within 3 minutes", 1);
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>
    /// <paramref name="rounds"/> rounds of one stream per path (direct, agent endpoint, GenieHive), rotating which
    /// path goes first so that drift in the machine's load falls on all alike.
    /// </summary>
    private static async Task<(List<Stream> Direct, List<Stream> Agent, List<Stream> Hive)> RoundsAsync(
        HttpClient http, string[] urls, string body, int rounds, CancellationToken ct)
    {
        var runs = new[] { new List<Stream>(), new List<Stream>(), new List<Stream>() };
        for (var i = 0; i < rounds; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                var path = (i + k) % 3;
                runs[path].Add(await StreamAsync(http, urls[path], body, ct));
            }
        }

        return (runs[0], runs[1], runs[2]);
    }

    /// <summary>One streamed completion, timed by this client: TTFT to the first content event, then tokens per second.</summary>
    private static async Task<Stream> StreamAsync(HttpClient http, string baseUrl, string body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        var clock = Stopwatch.StartNew();
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new CliException($"{baseUrl}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}", 1);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        double first = 0, last = 0;
        var tokens = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Contains("\"content\":\"", StringComparison.Ordinal) && !line.Contains("\"content\":\"\"", StringComparison.Ordinal))
            {
                last = clock.Elapsed.TotalMilliseconds;
                if (tokens++ == 0)
                {
                    first = last;
                }
            }
        }

        var rate = tokens > 1 ? (tokens - 1) / ((last - first) / 1000) : 0;
        return new Stream(first, rate, tokens);
    }

    /// <summary>One embeddings request, whole response read; its wall time in ms.</summary>
    private static async Task<double> EmbedAsync(HttpClient http, string baseUrl, string body, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.PostAsync(baseUrl + "/v1/embeddings", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new CliException($"{baseUrl}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}", 1);
        }

        await response.Content.ReadAsByteArrayAsync(ct);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static void Row(StringBuilder report, string model, double parameters, string path, List<Stream> first, List<Stream> runs) =>
        report.AppendLine(CultureInfo.InvariantCulture,
            $"{model,-17} {parameters,5:0.0}M  {path,-10} {Median(first.Select(r => r.TtftMs)),11:0.00}  {Median(runs.Select(r => r.TokensPerS)),9:0.0}  {runs.Average(r => r.TokensPerS),10:0.0}");

    private static void Overhead(StringBuilder report, string how, double rate, (double Low, double High) rateInterval, double ttft, (double Low, double High) ttftInterval) =>
        report.AppendLine(CultureInfo.InvariantCulture,
            $"  overhead ({how}): tokens/s {rate * 100:+0.00;-0.00} % [{rateInterval.Low * 100:+0.00;-0.00}, {rateInterval.High * 100:+0.00;-0.00}], TTFT {ttft:+0.00;-0.00} ms [{ttftInterval.Low:+0.00;-0.00}, {ttftInterval.High:+0.00;-0.00}]");

    private static int[] Identity(int count) => Enumerable.Range(0, count).ToArray();

    /// <summary>
    /// A 95 % percentile-bootstrap interval of <paramref name="statistic"/>: 2000 resamples (with replacement, fixed
    /// seed) of the indices of two samples of <paramref name="first"/> and <paramref name="second"/> values. The model's
    /// own first-token time varies by milliseconds from request to request, so a median alone can mislead by more
    /// than the sub-millisecond difference it is meant to show.
    /// </summary>
    private static (double Low, double High) Bootstrap(int first, int second, Func<int[], int[], double> statistic)
    {
        var random = new Random(1);
        var estimates = new double[2000];
        var a = new int[first];
        var b = new int[second];
        for (var k = 0; k < estimates.Length; k++)
        {
            for (var i = 0; i < a.Length; i++)
            {
                a[i] = random.Next(first);
            }

            for (var i = 0; i < b.Length; i++)
            {
                b[i] = random.Next(second);
            }

            estimates[k] = statistic(a, b);
        }

        Array.Sort(estimates);
        return (estimates[(int)(estimates.Length * 0.025)], estimates[(int)(estimates.Length * 0.975) - 1]);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
