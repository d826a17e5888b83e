using System.Diagnostics;
using System.Globalization;
using System.Text;
using GenieHive.Benchmarks.Cli;
using GenieHive.NodeAgent;
using GenieHive.NodeAgent.Runtimes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GenieHive.Benchmarks.Runtime;

/// <summary>
/// <c>geniehive-bench lifecycle</c>: the cost of loading on demand and what the memory budget does
/// (docs/runtimes.md "Lifecycle"). Cold start: the first request to an unloaded tiny model (its runtime host started,
/// the model loaded, one token generated), against the same request warm. Eviction: three copies of the tiny model
/// under a budget of 2.5 runtime hosts, used A, B, A, then C: B, the least recently used, is evicted.
/// </summary>
internal static class LifecycleCommand
{
    public const string Usage = "usage: geniehive-bench lifecycle [--requests N]";

    private const string Body = """{"model":"MODEL","max_tokens":1,"temperature":0,"messages":[{"role":"user","content":"hi"}]}""";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var options = CliOptions.Parse(args, new HashSet<string> { "requests" }, new HashSet<string>());
        var requests = options.GetInt("requests", 10, 1, 1000);
        var dir = Path.Combine(Path.GetTempPath(), "geniehive-bench-lifecycle-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(Path.Combine(dir, "cold"));
        var services = new ServiceCollection();
        services.AddHttpClient("lifecycle", c => c.Timeout = TimeSpan.FromMinutes(5));
        await using var provider = services.BuildServiceProvider();
        var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("lifecycle");
        try
        {
            var tiny = TinyLlamaModel.Tiny.Write(Path.Combine(dir, "cold", "bench-tiny.gguf"));
            long measured;
            await using (var agent = await StartAgentAsync(dir, $$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{tiny}}"] }""", "", ct))
            {
                var service = agent.Services.GetRequiredService<RuntimeServices>().Find("bench-tiny")!;
                var url = service.Endpoint.Url;
                var cold = new List<double>();
                var warm = new List<double>();
                for (var i = 0; i < requests; i++)
                {
                    await service.UnloadAsync();
                    cold.Add(await TimeAsync(http, url, "bench-tiny", ct));
                    warm.Add(await TimeAsync(http, url, "bench-tiny", ct));
                }

                measured = service.MeasuredBytes ?? 0;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"cold start, first request to the unloaded tiny model ({requests} runs): p50 {P50(cold):0.0} ms, min {cold.Min():0.0}, max {cold.Max():0.0}"));
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"same request warm: p50 {P50(warm):0.0} ms; runtime host resident memory {measured / 1048576.0:0.0} MiB"));
            }

            var evict = Path.Combine(dir, "evict");
            Directory.CreateDirectory(evict);
            foreach (var name in new[] { "model-a", "model-b", "model-c" })
            {
                File.Copy(tiny, Path.Combine(evict, name + ".gguf"));
            }

            var budget = (measured * 2.5 / (1L << 30)).ToString("0.######", CultureInfo.InvariantCulture);
            await using (var agent = await StartAgentAsync(dir, $$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{evict}}"] }""",
                $"runtime_budget: {{ ram_gb: {budget} }}", ct))
            {
                var runtimes = agent.Services.GetRequiredService<RuntimeServices>();
                var log = new StringBuilder();
                foreach (var id in new[] { "model-a", "model-b", "model-a", "model-c" })
                {
                    var service = runtimes.Find(id)!;
                    var ms = await TimeAsync(http, service.Endpoint.Url, id, ct);
                    var loaded = string.Join(", ", runtimes.All.Where(s => s.Loaded).Select(s => s.Model.AssetId));
                    log.AppendLine(CultureInfo.InvariantCulture,
                        $"  request {id}: {ms:0.0} ms; loaded now: {loaded}; in use {runtimes.Budget.UsedBytes("cpu") / 1048576.0:0.0} of {runtimes.Budget.RamBytes / 1048576.0:0.0} MiB");
                }

                await stdout.WriteLineAsync($"eviction, budget 2.5 × one runtime host ({budget} GB), requests A, B, A, C:");
                await stdout.WriteAsync(log.ToString());
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<WebApplication> StartAgentAsync(string dir, string runtimes, string extra, CancellationToken ct)
    {
        var yaml = Path.Combine(dir, "node-" + Guid.NewGuid().ToString("n") + ".yaml");
        await File.WriteAllTextAsync(yaml, $$"""
            node: { host_id: "bench-node", listen_port: 0 }
            {{extra}}
            runtimes:
            {{runtimes}}
            """, ct);
        var app = NodeAgentApp.Build(["--config", yaml, "--urls", "http://127.0.0.1:0"], b => b.Logging.ClearProviders());
        await app.StartAsync(ct);
        return app;
    }

    private static async Task<double> TimeAsync(HttpClient http, string url, string model, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var content = new StringContent(Body.Replace("MODEL", model, StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url + "/v1/chat/completions", content, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new CliException($"{model}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }

        return clock.Elapsed.TotalMilliseconds;
    }

    private static double P50(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
