using System.Text.Json.Nodes;
using GenieHive.Benchmarks.Cli;
using GenieHive.Benchmarks.ModelBench;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Benchmarks;

public sealed class ModelBenchTests
{
    [Fact]
    public void Derived_benchmark_ids_follow_the_python_scheme_and_seconds_format()
    {
        Assert.Equal("1766400000.0", BenchmarkReport.FormatSeconds(1766400000));
        Assert.Equal("1766400000.25", BenchmarkReport.FormatSeconds(1766400000.25));

        // Python: hashlib.sha1(b"report|gpu-1/chat||chat.short_reasoning|1766400000.25|0").hexdigest()[:16]
        Assert.Equal("bench_ce061f504e0c0e29", BenchmarkReport.DerivedId(null, "gpu-1/chat", null, "chat.short_reasoning", 1766400000.25, 0));
    }

    [Fact]
    public void Report_round_trips_into_stored_samples_with_defaults_filled()
    {
        var report = BenchmarkReport.Create("mentor", "chat.short_reasoning", 1766400000.25,
            [("gpu-1/chat", new JsonObject { ["pass_rate"] = 1.0 }), ("gpu-2/chat", new JsonObject { ["pass_rate"] = 0.5 })]);
        var text = BenchmarkReport.ToSortedJson(report);
        Assert.Contains("\"report_id\": \"mentor-chat.short_reasoning\"", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("\"observed_at\"", StringComparison.Ordinal) < text.IndexOf("\"report_id\"", StringComparison.Ordinal));

        var samples = BenchmarkReport.ToSamples(JsonNode.Parse(text));
        Assert.Equal(2, samples.Count);
        var first = samples[0]!.AsObject();
        Assert.Equal("gpu-1/chat", (string?)first["service_id"]);
        Assert.Equal(1766400000.25, (double)first["observed_at"]!);
        Assert.Equal("geniehive-benchmark-runner", (string?)first["results"]!["source"]);
        Assert.Equal(BenchmarkReport.DerivedId("mentor-chat.short_reasoning", "gpu-1/chat", null, "chat.short_reasoning", 1766400000.25, 0),
            (string?)first["benchmark_id"]);
        Assert.NotEqual((string?)first["benchmark_id"], (string?)samples[1]!["benchmark_id"]);
    }

    [Theory]
    [InlineData("[]", "the report must be a JSON object")]
    [InlineData("{\"samples\":{}}", "samples must be a list")]
    [InlineData("{\"samples\":[{\"workload\":\"w\",\"observed_at\":1}]}", "samples[0].service_id is required")]
    [InlineData("{\"samples\":[{\"service_id\":\"s\",\"workload\":\"w\"}]}", "missing observed_at")]
    [InlineData("{\"samples\":[{\"service_id\":\"s\",\"workload\":\"w\",\"observed_at\":\"yesterday\"}]}", "samples[0].observed_at must be a number")]
    public void Malformed_reports_are_refused_with_a_clear_reason(string json, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => BenchmarkReport.ToSamples(JsonNode.Parse(json)));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_aggregate_medians_rates_and_truncated_means()
    {
        var results = SampleResults.Aggregate(
        [
            new CaseResult("a", "s", 100, 10, 21, 40, 30, true),
            new CaseResult("b", "s", 300, 11, 20, null, 50, false),
        ], "mentor");
        Assert.Equal(2, (int)results["case_count"]!);
        Assert.Equal(0.5, (double)results["pass_rate"]!);
        Assert.Equal(0.5, (double)results["empty_visible_response_rate"]!);
        Assert.Equal(200, (double)results["p50_latency_ms"]!);
        Assert.Equal(40, (double)results["ttft_ms"]!);
        Assert.Equal(40, (double)results["tokens_per_sec"]!);
        Assert.Equal(10, (long)results["prompt_tokens"]!);
        Assert.Equal(20, (long)results["completion_tokens"]!);
    }

    [Fact]
    public void A_null_content_is_an_empty_visible_response_not_a_pass()
    {
        var json = JsonNode.Parse("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null}}],\"usage\":{\"completion_tokens\":3}}");
        Assert.False(WorkloadRunner.ReadChatJson(json, "c", "s", 1).Passed);
        var timed = JsonNode.Parse("{\"choices\":[{\"message\":{\"content\":\" hi \"}}],\"usage\":{\"completion_tokens\":10},\"timings\":{\"prompt_ms\":12.5,\"predicted_ms\":500}}");
        var result = WorkloadRunner.ReadChatJson(timed, "c", "s", 1);
        Assert.True(result.Passed);
        Assert.Equal(12.5, result.TtftMs);
        Assert.Equal(20, result.TokensPerSec);
    }

    [Fact]
    public async Task Run_records_the_answering_service_per_case_and_groups_samples()
    {
        var calls = 0;
        await using var fake = await KestrelHost.StartAsync(app => app.MapPost("/v1/chat/completions", (HttpContext context) =>
        {
            Assert.Equal("k", context.Request.Headers["X-Api-Key"].ToString());
            context.Response.Headers["X-GenieHive-Service-Id"] = (Interlocked.Increment(ref calls) % 2 == 1) ? "gpu-1/chat" : "gpu-2/chat";
            return Results.Text("{\"choices\":[{\"message\":{\"content\":\"ok\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}", "application/json");
        }));
        var stdout = new StringWriter();
        var code = await ModelBenchCommands.RunAsync(
            ["--base-url", fake.BaseAddress.ToString(), "--api-key", "k", "--model", "mentor", "--workload", "chat.concise_support"],
            stdout, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, code);
        var report = JsonNode.Parse(stdout.ToString())!;
        var services = report["samples"]!.AsArray().Select(s => (string)s!["service_id"]!).ToArray();
        Assert.Equal(["gpu-1/chat", "gpu-2/chat"], services);
        Assert.All(report["samples"]!.AsArray(), s => Assert.Equal(1, (int)s!["results"]!["case_count"]!));
    }

    [Fact]
    public async Task Bad_input_fails_with_one_clear_error()
    {
        await using var unauthorized = await KestrelHost.StartAsync(app => app.MapPost("/v1/chat/completions",
            () => Results.Json(new { error = new { message = "Missing or invalid API key.", type = "authentication_error", code = "unauthorized" } }, statusCode: 401)));

        var unknown = await Assert.ThrowsAsync<CliException>(() => ModelBenchCommands.RunAsync(
            ["--model", "m", "--workload", "chat.nope"], TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains("unknown workload \"chat.nope\"", unknown.Message, StringComparison.Ordinal);

        var denied = await Assert.ThrowsAsync<CliException>(() => ModelBenchCommands.RunAsync(
            ["--base-url", unauthorized.BaseAddress.ToString(), "--model", "m", "--workload", "chat.concise_support"],
            TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains("answered 401: Missing or invalid API key.", denied.Message, StringComparison.Ordinal);

        var unreachable = await Assert.ThrowsAsync<CliException>(() => ModelBenchCommands.RunAsync(
            ["--base-url", $"http://127.0.0.1:{FreePort.Next()}", "--model", "m", "--workload", "chat.concise_support"],
            TextWriter.Null, TextWriter.Null, CancellationToken.None));
        Assert.Contains("failed:", unreachable.Message, StringComparison.Ordinal);

        using var dir = new TempDirectory();
        var malformed = Path.Combine(dir.Path, "bad.json");
        await File.WriteAllTextAsync(malformed, "{\"samples\":[{\"workload\":\"w\"}]}");
        var bad = await Assert.ThrowsAsync<CliException>(() => ModelBenchCommands.IngestAsync([malformed], TextWriter.Null, CancellationToken.None));
        Assert.Contains("malformed report", bad.Message, StringComparison.Ordinal);
    }
}
