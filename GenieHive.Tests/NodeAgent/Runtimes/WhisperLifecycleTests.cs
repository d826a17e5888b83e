using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// The whisper engine under the same lifecycle as every runtime (docs/runtimes.md "Lifecycle", "Isolation"): loaded
/// on demand in its own process, unloaded when idle, held to the memory budget, and a model whisper.cpp refuses
/// fails only its own process.
/// </summary>
public sealed class WhisperLifecycleTests(WhisperModels models) : IClassFixture<WhisperModels>
{
    private static async Task<HttpResponseMessage> TranscribeAsync(RuntimeService service, double seconds = 1.0)
    {
        using var client = new HttpClient { BaseAddress = new Uri(service.Endpoint.Url) };
        using var form = WhisperAgent.Form(WavFile.Tone(seconds), ("model", service.Model.AssetId), ("response_format", "text"));
        return await client.PostAsync("/v1/audio/transcriptions", form);
    }

    [Fact]
    public async Task A_whisper_model_loads_on_its_first_request_and_unloads_when_idle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        await using var agent = await LifecycleTests.StartAsync($$"""  - { id: "w", engine: "whisper", paths: ["{{models.Multilingual}}"], threads: 1, idle_unload_s: 30 }""", time);
        var service = LifecycleTests.Find(agent, "tiny-whisper");
        Assert.False(service.Loaded);
        Assert.Equal("unloaded", service.Report().State.LoadState);

        using (var first = await TranscribeAsync(service))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("tiny whisper", await first.Content.ReadAsStringAsync());
        }

        var pid = service.Report().Runtime["pid"]!.GetValue<int>();
        Assert.True(service.Loaded);
        Assert.Equal(1, service.LoadCount);
        // Its glibc is held to two malloc arenas, or each request's whisper state stays resident (RuntimeHostCommand).
        Assert.Contains("MALLOC_ARENA_MAX=2", (await File.ReadAllTextAsync($"/proc/{pid}/environ")).Split('\0'));

        time.Advance(TimeSpan.FromSeconds(31));
        var settled = Stopwatch.StartNew();
        while ((service.Loaded || RuntimeIsolationTests.IsRunning(pid)) && settled.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.False(service.Loaded);
        Assert.False(RuntimeIsolationTests.IsRunning(pid));
        using var again = await TranscribeAsync(service);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, service.LoadCount);
    }

    [Fact]
    public async Task A_cut_whisper_model_fails_in_its_own_process_and_the_other_model_is_served()
    {
        await using var agent = await LifecycleTests.StartAsync($$"""  - { id: "w", engine: "whisper", paths: ["{{models.Truncated}}", "{{models.Multilingual}}"], threads: 1 }""");
        var broken = LifecycleTests.Find(agent, "broken-whisper");
        var good = LifecycleTests.Find(agent, "tiny-whisper");

        using var failed = await TranscribeAsync(broken);
        using var served = await TranscribeAsync(good);

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("upstream_error", (await LifecycleTests.ErrorOf(failed)).GetProperty("code").GetString());
        var report = broken.Report();
        Assert.Equal(("unhealthy", "failed"), (report.State.Health, report.State.LoadState));
        Assert.Contains("WhisperModelLoadException", report.Runtime["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("tiny whisper", await served.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_whisper_model_that_does_not_fit_the_memory_budget_is_refused_with_503()
    {
        // The estimate (file, one request's whisper state, the host's base cost) is about 170 MB.
        await using var agent = await LifecycleTests.StartAsync($$"""  - { id: "w", engine: "whisper", paths: ["{{models.Multilingual}}"] }""",
            extra: "runtime_budget: { ram_gb: 0.1 }");
        var service = LifecycleTests.Find(agent, "tiny-whisper");

        using var refused = await TranscribeAsync(service);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("insufficient_memory", (await LifecycleTests.ErrorOf(refused)).GetProperty("code").GetString());
        Assert.Equal(0, service.LoadCount);
    }

    [Fact]
    public async Task An_upload_over_max_multipart_body_bytes_is_413_and_one_within_it_is_served()
    {
        await using var agent = await LifecycleTests.StartAsync($$"""  - { id: "w", engine: "whisper", paths: ["{{models.Multilingual}}"], threads: 1 }""",
            extra: "limits: { max_multipart_body_bytes: 40000 }");
        var service = LifecycleTests.Find(agent, "tiny-whisper");

        using var large = await TranscribeAsync(service, seconds: 2.0);
        using var small = await TranscribeAsync(service, seconds: 1.0);

        // Two seconds of 16-bit 16 kHz mono are 64 044 bytes of WAV, one second 32 044.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Equal("payload_too_large", (await LifecycleTests.ErrorOf(large)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }
}
