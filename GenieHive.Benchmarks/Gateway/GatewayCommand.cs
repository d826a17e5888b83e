using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Benchmarks.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace GenieHive.Benchmarks.Gateway;

/// <summary>
/// <c>geniehive-bench gateway</c>: the cost of the GenieHive hop (benchmarks.md "Gateway overhead benchmark").
/// The same load generator drives the same requests directly against a simulated upstream and through a control
/// plane, closed loop at fixed concurrencies and open loop at a fixed rate, and reports both plus their ratios.
/// </summary>
internal static class GatewayCommand
{
    public const string Usage =
        "usage: geniehive-bench gateway [--smoke] [--warmup S] [--window S] [--concurrency 1,16,64] [--rate RPS] [--kinds chat,chat-stream,embeddings] [--output FILE]";

    private sealed record RunResult(
        string Kind, string Loop, string Path, double Rps, LatencyStats Latency, LatencyStats FirstByte, int Errors,
        double? CpuMicrosPerRequest, long? RssBytes, long? PeakRssBytes);

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var options = CliOptions.Parse(args,
            new HashSet<string> { "warmup", "window", "concurrency", "rate", "kinds", "output" }, new HashSet<string> { "smoke" });
        var smoke = options.Has("smoke");
        var warmup = TimeSpan.FromSeconds(options.GetDouble("warmup", smoke ? 0.2 : 1, 0, 60));
        var window = TimeSpan.FromSeconds(options.GetDouble("window", smoke ? 1 : 5, 0.1, 600));
        var rate = options.GetDouble("rate", smoke ? 50 : 400, 1, 100_000);
        var concurrencies = ParseList(options.Get("concurrency", smoke ? "1,16" : "1,16,64"), int.Parse);
        var kinds = ParseList(options.Get("kinds", "chat,chat-stream,embeddings"), ParseKind);
        if (!OperatingSystem.IsLinux())
        {
            throw new CliException("the gateway benchmark reads process CPU and memory from /proc and runs on Linux only", 1);
        }

        var services = new ServiceCollection();
        services.AddHttpClient("gateway").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        });
        using var provider = services.BuildServiceProvider();
        using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("gateway");
        http.Timeout = TimeSpan.FromSeconds(60);

        await using var cluster = await StandaloneCluster.StartAsync(http, stderr, ct);
        var idle = ProcessMeter.Memory(cluster.Control.Id);
        var results = new List<RunResult>();
        foreach (var kind in kinds)
        {
            var model = kind == GatewayRequestKind.Embeddings ? StandaloneCluster.EmbeddingsModel : StandaloneCluster.ChatModel;
            var upstream = kind == GatewayRequestKind.Embeddings ? cluster.EmbeddingsUpstream : cluster.ChatUpstream;
            var loops = concurrencies.Select(c => ($"c={c}", (Func<LoadGenerator, Task<List<Sample>>>)(g => g.ClosedLoopAsync(c, warmup, window, ct))))
                .Append(($"rate={rate.ToString(CultureInfo.InvariantCulture)}", g => g.OpenLoopAsync(rate, warmup, window, ct)));
            foreach (var (loop, drive) in loops)
            {
                foreach (var (path, baseUrl, key) in new[] { ("direct", upstream, (string?)null), ("through", cluster.ControlUrl, StandaloneCluster.ClientKey) })
                {
                    var generator = new LoadGenerator(http, baseUrl, model, key, kind);
                    await generator.PrimeAsync(5, ct);
                    var cpuBefore = ProcessMeter.CpuTime(cluster.Control.Id);
                    var samples = await drive(generator);
                    var cpu = ProcessMeter.CpuTime(cluster.Control.Id) - cpuBefore;
                    var memory = ProcessMeter.Memory(cluster.Control.Id);
                    var ok = samples.Where(s => s.Ok).ToList();
                    var result = new RunResult(GatewayRequest.Name(kind), loop, path, ok.Count / window.TotalSeconds,
                        LatencyStats.From([.. ok.Select(s => s.LatencyMs)]), LatencyStats.From([.. ok.Select(s => s.FirstByteMs)]),
                        samples.Count - ok.Count,
                        path == "through" && samples.Count > 0 ? cpu.TotalMicroseconds / samples.Count : null,
                        path == "through" ? memory.Rss : null, path == "through" ? memory.Peak : null);
                    results.Add(result);
                    await stderr.WriteLineAsync($"gateway: {result.Kind} {loop} {path}: {result.Rps:F0} rps, p50 {result.Latency.P50:F3} ms, errors {result.Errors}");
                }
            }
        }

        var table = Table(results, idle.Rss);
        await stdout.WriteAsync(table);
        var json = Json(results, idle, warmup, window, rate, smoke);
        var output = options.Get("output", "gateway-report.json");
        await File.WriteAllTextAsync(output, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), ct);
        await stderr.WriteLineAsync($"gateway: JSON report written to {output}");
        return results.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static List<T> ParseList<T>(string text, Func<string, T> parse)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse)];
        }
        catch (FormatException)
        {
            throw new CliException($"cannot parse list \"{text}\"");
        }
    }

    private static GatewayRequestKind ParseKind(string text) => text switch
    {
        "chat" => GatewayRequestKind.ChatJson,
        "chat-stream" => GatewayRequestKind.ChatStream,
        "embeddings" => GatewayRequestKind.Embeddings,
        _ => throw new CliException($"unknown kind \"{text}\"; use chat, chat-stream, embeddings"),
    };

    private static string Table(List<RunResult> results, long idleRss)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"GenieHive gateway overhead ({Environment.ProcessorCount} cores, {RuntimeInformation.FrameworkDescription}); control plane idle RSS {idleRss / 1048576.0:F1} MB");
        sb.AppendLine("kind         loop        path       rps      p50 ms   p99 ms   p99.9 ms  ttfb p50  errors  cpu µs/req  rss MB");
        foreach (var group in results.GroupBy(r => (r.Kind, r.Loop)))
        {
            RunResult? direct = null;
            foreach (var r in group)
            {
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"{r.Kind,-12} {r.Loop,-11} {r.Path,-8} {r.Rps,8:F0} {r.Latency.P50,9:F3} {r.Latency.P99,8:F3} {r.Latency.P999,10:F3} {r.FirstByte.P50,9:F3} {r.Errors,7} {Format(r.CpuMicrosPerRequest),11} {Format(r.RssBytes / 1048576.0),7}");
                if (r.Path == "direct")
                {
                    direct = r;
                }
                else if (direct is not null)
                {
                    sb.AppendLine(CultureInfo.InvariantCulture,
                        $"{"",-12} {"",-11} {"ratio",-8} {r.Rps / direct.Rps,8:F2} {r.Latency.P50 / direct.Latency.P50,9:F2} {r.Latency.P99 / direct.Latency.P99,8:F2} {r.Latency.P999 / direct.Latency.P999,10:F2} {r.FirstByte.P50 / direct.FirstByte.P50,9:F2}");
                    sb.AppendLine(CultureInfo.InvariantCulture,
                        $"{"",-12} {"",-11} {"added",-8} {"",8} {r.Latency.P50 - direct.Latency.P50,9:F3} {r.Latency.P99 - direct.Latency.P99,8:F3} {r.Latency.P999 - direct.Latency.P999,10:F3} {r.FirstByte.P50 - direct.FirstByte.P50,9:F3}");
                }
            }
        }

        return sb.ToString();
    }

    private static string Format(double? value) => value is null || double.IsNaN(value.Value) ? "-" : value.Value.ToString("F1", CultureInfo.InvariantCulture);

    private static JsonObject Json(List<RunResult> results, (long Rss, long Peak) idle, TimeSpan warmup, TimeSpan window, double rate, bool smoke)
    {
        static JsonObject Stats(LatencyStats s) => new()
        {
            ["count"] = s.Count,
            ["p50_ms"] = Num(s.P50),
            ["p99_ms"] = Num(s.P99),
            ["p999_ms"] = Num(s.P999),
            ["max_ms"] = Num(s.Max),
        };

        var runs = new JsonArray();
        foreach (var r in results)
        {
            runs.Add(new JsonObject
            {
                ["kind"] = r.Kind,
                ["loop"] = r.Loop,
                ["path"] = r.Path,
                ["rps"] = Num(r.Rps),
                ["latency"] = Stats(r.Latency),
                ["first_byte"] = Stats(r.FirstByte),
                ["errors"] = r.Errors,
                ["control_cpu_us_per_request"] = r.CpuMicrosPerRequest is { } c ? Num(c) : null,
                ["control_rss_bytes"] = r.RssBytes,
                ["control_peak_rss_bytes"] = r.PeakRssBytes,
            });
        }

        var comparisons = new JsonArray();
        foreach (var group in results.GroupBy(r => (r.Kind, r.Loop)))
        {
            var direct = group.FirstOrDefault(r => r.Path == "direct");
            var through = group.FirstOrDefault(r => r.Path == "through");
            if (direct is null || through is null)
            {
                continue;
            }

            comparisons.Add(new JsonObject
            {
                ["kind"] = group.Key.Kind,
                ["loop"] = group.Key.Loop,
                ["rps_ratio"] = Num(through.Rps / direct.Rps),
                ["latency_ratio"] = new JsonObject
                {
                    ["p50"] = Num(through.Latency.P50 / direct.Latency.P50),
                    ["p99"] = Num(through.Latency.P99 / direct.Latency.P99),
                    ["p999"] = Num(through.Latency.P999 / direct.Latency.P999),
                },
                ["added_latency_ms"] = new JsonObject
                {
                    ["p50"] = Num(through.Latency.P50 - direct.Latency.P50),
                    ["p99"] = Num(through.Latency.P99 - direct.Latency.P99),
                    ["p999"] = Num(through.Latency.P999 - direct.Latency.P999),
                },
                ["added_first_byte_ms"] = new JsonObject
                {
                    ["p50"] = Num(through.FirstByte.P50 - direct.FirstByte.P50),
                    ["p99"] = Num(through.FirstByte.P99 - direct.FirstByte.P99),
                },
            });
        }

        return new JsonObject
        {
            ["benchmark"] = "gateway",
            ["observed_at"] = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0,
            ["environment"] = new JsonObject
            {
                ["cpu"] = CpuModel(),
                ["cores"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["build"] = typeof(GatewayCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration,
                ["upstream"] = "GenieHive simulated server: chat ttft 0 ms, unpaced, 20 completion tokens; embeddings 384 dims",
            },
            ["settings"] = new JsonObject
            {
                ["smoke"] = smoke,
                ["warmup_s"] = warmup.TotalSeconds,
                ["window_s"] = window.TotalSeconds,
                ["open_loop_rate"] = rate,
            },
            ["control_idle_rss_bytes"] = idle.Rss,
            ["runs"] = runs,
            ["comparisons"] = comparisons,
        };
    }

    private static JsonNode? Num(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

}
