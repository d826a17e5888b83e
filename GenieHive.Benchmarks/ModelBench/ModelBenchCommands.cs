using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Benchmarks.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace GenieHive.Benchmarks.ModelBench;

/// <summary><c>geniehive-bench run</c> and <c>geniehive-bench ingest</c> (benchmarks.md "Runner", "Ingest").</summary>
internal static class ModelBenchCommands
{
    public const string DefaultBaseUrl = "http://127.0.0.1:8800";
    public const string DefaultApiKey = "change-me-client-key";

    public const string RunUsage =
        "usage: geniehive-bench run --model <role|service|asset> --workload <id> [--base-url URL] [--api-key KEY] [--output FILE] [--stream]";

    public const string IngestUsage = "usage: geniehive-bench ingest <report.json> [--base-url URL] [--api-key KEY]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var options = CliOptions.Parse(args, new HashSet<string> { "base-url", "api-key", "model", "workload", "output" },
            new HashSet<string> { "stream" });
        var model = options.Required("model");
        var workloadId = options.Required("workload");
        var workload = Workloads.Find(workloadId)
            ?? throw new CliException($"unknown workload \"{workloadId}\"; built-in: {string.Join(", ", Workloads.All.Select(w => w.Id))}");
        var baseUrl = BaseUri(options.Get("base-url", DefaultBaseUrl));

        using var services = CreateServices();
        using var http = Client(services, baseUrl, TimeSpan.FromSeconds(120));
        var runner = new WorkloadRunner(http, options.Get("api-key", DefaultApiKey), stderr) { Stream = options.Has("stream") };
        await stderr.WriteLineAsync($"geniehive-bench: {workload.Id} ({workload.Cases.Length} cases) against {model} at {baseUrl}");
        var cases = await runner.RunAsync(workload, model, ct);

        var observedAt = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var groups = cases.GroupBy(c => c.ServiceId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, SampleResults.Aggregate([.. g], model)));
        var report = BenchmarkReport.ToSortedJson(BenchmarkReport.Create(model, workload.Id, observedAt, groups)) + "\n";

        if (options.Get("output") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report, ct);
            await stderr.WriteLineAsync($"geniehive-bench: report written to {path}");
        }
        else
        {
            await stdout.WriteAsync(report);
        }

        return 0;
    }

    public static async Task<int> IngestAsync(IReadOnlyList<string> args, TextWriter stdout, CancellationToken ct)
    {
        var options = CliOptions.Parse(args, new HashSet<string> { "base-url", "api-key" }, new HashSet<string>());
        if (options.Positional.Count != 1)
        {
            throw new CliException(IngestUsage);
        }

        var path = options.Positional[0];
        JsonNode? report;
        try
        {
            report = JsonNode.Parse(await File.ReadAllTextAsync(path, ct));
        }
        catch (IOException ex)
        {
            throw new CliException($"cannot read {path}: {ex.Message}", 1);
        }
        catch (JsonException ex)
        {
            throw new CliException($"{path} is not JSON: {ex.Message}", 1);
        }

        JsonArray samples;
        try
        {
            samples = BenchmarkReport.ToSamples(report);
        }
        catch (FormatException ex)
        {
            throw new CliException($"{path}: malformed report: {ex.Message}", 1);
        }

        var envUrl = Environment.GetEnvironmentVariable("GENIEHIVE_CONTROL_BASE_URL");
        var baseUrl = BaseUri(options.Get("base-url") ?? (string.IsNullOrEmpty(envUrl) ? DefaultBaseUrl : envUrl));
        var key = options.Get("api-key")
            ?? (Environment.GetEnvironmentVariable("GENIEHIVE_CLIENT_API_KEY") is { Length: > 0 } k ? k : DefaultApiKey);

        using var services = CreateServices();
        using var http = Client(services, baseUrl, TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/cluster/benchmarks", UriKind.Relative))
        {
            Content = new StringContent(new JsonObject { ["samples"] = samples }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Api-Key", key);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"POST {new Uri(baseUrl, "v1/cluster/benchmarks")} failed: {ex.Message}", 1);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"POST /v1/cluster/benchmarks answered {(int)response.StatusCode}: {WorkloadRunner.ErrorMessage(text)}", 1);
            }

            JsonNode? parsed;
            try
            {
                parsed = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                throw new CliException("POST /v1/cluster/benchmarks answered with a body that is not JSON", 1);
            }

            await stdout.WriteLineAsync(BenchmarkReport.ToSortedJson(parsed!));
        }

        return 0;
    }

    private static Uri BaseUri(string text)
    {
        if (!Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--base-url must be an absolute http(s) URL; got \"{text}\"");
        }

        return uri;
    }

    private static ServiceProvider CreateServices()
    {
        var services = new ServiceCollection();
        services.AddHttpClient();
        return services.BuildServiceProvider();
    }

    private static HttpClient Client(ServiceProvider services, Uri baseUrl, TimeSpan timeout)
    {
        var client = services.GetRequiredService<IHttpClientFactory>().CreateClient("geniehive-bench");
        client.BaseAddress = baseUrl;
        client.Timeout = timeout;
        return client;
    }
}
