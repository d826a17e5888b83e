using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>Each model in its own process: a crash stays there, a full queue answers 429, nothing outlives the agent.</summary>
public sealed class RuntimeIsolationTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    private const string Hello = """{"model":"MODEL","max_tokens":4,"temperature":0,"messages":[{"role":"user","content":"hi"}]}""";

    private static StringContent Chat(string model) => RuntimeAgent.Json(Hello.Replace("MODEL", model, StringComparison.Ordinal));

    internal static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [Fact]
    public async Task A_truncated_gguf_crashes_only_its_runtime_host_and_the_agent_reports_why_and_serves_the_rest()
    {
        // A frozen clock: the 1 s restart backoff cannot elapse between the crash and the retry on a loaded machine.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "crash-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}", "{{models.Truncated}}"] }
            """, b => b.Services.AddSingleton<TimeProvider>(time));
        var runtimes = agent.Services.GetRequiredService<RuntimeServices>();
        using var broken = new HttpClient { BaseAddress = new Uri(runtimes.Find("broken-llama")!.Endpoint.Url) };
        using var healthy = new HttpClient { BaseAddress = new Uri(runtimes.Find("tiny-llama")!.Endpoint.Url) };

        using var failed = await broken.PostAsync("/v1/chat/completions", Chat("broken-llama"));
        using var served = await healthy.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
        using var retried = await broken.PostAsync("/v1/chat/completions", Chat("broken-llama"));

        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Contains("failed to load", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        // Within the backoff the next request is not a new crash: 503 with the time to the restart.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, retried.StatusCode);
        Assert.NotNull(retried.Headers.RetryAfter);

        using var client = agent.CreateClient();
        var services = JsonDocument.Parse(await client.GetStringAsync("/v1/node/inventory")).RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(s => s.GetProperty("service_id").GetString()!);
        var report = services["crash-host/chat/broken-llama"];
        Assert.Equal("unhealthy", report.GetProperty("state").GetProperty("health").GetString());
        Assert.Equal("failed", report.GetProperty("state").GetProperty("load_state").GetString());
        Assert.False(report.GetProperty("assets")[0].GetProperty("loaded").GetBoolean());
        Assert.Contains("failed to load", report.GetProperty("runtime").GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Equal("healthy", services["crash-host/chat/tiny-llama"].GetProperty("state").GetProperty("health").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        using var probe = await broken.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
    }

    [Fact]
    public async Task A_killed_runtime_host_marks_the_service_unhealthy_and_the_next_request_after_the_backoff_restarts_it()
    {
        await using var agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "kill-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"], preload: true }
            """);
        var service = agent.Services.GetRequiredService<RuntimeServices>().Find("tiny-llama")!;
        await service.LoadAsync(CancellationToken.None);
        var pid = service.Report().Runtime["pid"]!.GetValue<int>();

        // What an out-of-memory kill does.
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        await WaitUntilAsync(() => service.Report().State.Health == "unhealthy");
        var report = service.Report();
        Assert.Contains("signal 9", report.Runtime["last_error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(report.Assets[0].Loaded);

        using var client = new HttpClient { BaseAddress = new Uri(service.Endpoint.Url) };
        HttpResponseMessage? response = null;
        await WaitUntilAsync(async () =>
        {
            response?.Dispose();
            response = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
            return response.StatusCode == HttpStatusCode.OK;
        });
        response!.Dispose();
        Assert.Equal("healthy", service.Report().State.Health);
        Assert.NotEqual(pid, service.Report().Runtime["pid"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_full_queue_answers_429_rate_limited_with_retry_after()
    {
        await using var agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "busy-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"], parallel: 1, queue: 0, preload: true }
            """);
        var service = agent.Services.GetRequiredService<RuntimeServices>().Find("tiny-llama")!;
        using var client = new HttpClient { BaseAddress = new Uri(service.Endpoint.Url) };
        using var cancel = new CancellationTokenSource();
        using var longRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = RuntimeAgent.Json("""{"model":"tiny-llama","stream":true,"max_tokens":1900,"messages":[{"role":"user","content":"go on"}]}"""),
        };
        using var streaming = await client.SendAsync(longRequest, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        await using var stream = await streaming.Content.ReadAsStreamAsync(cancel.Token);
        var first = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(first, cancel.Token));

        using var refused = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));

        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());

        // The client leaving frees the slot.
        await cancel.CancelAsync();
        await WaitUntilAsync(async () =>
        {
            using var again = await client.PostAsync("/v1/chat/completions", Chat("tiny-llama"));
            return again.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Runtime_hosts_end_with_the_agent()
    {
        var agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "stop-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"] }
            """);
        var service = agent.Services.GetRequiredService<RuntimeServices>().Find("tiny-llama")!;
        await service.LoadAsync(CancellationToken.None);
        var pid = service.Report().Runtime["pid"]!.GetValue<int>();
        Assert.True(IsRunning(pid));

        await agent.DisposeAsync();

        Assert.False(IsRunning(pid));
    }

    [Fact]
    public async Task A_runtime_host_exits_when_its_parent_process_is_gone()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        var spec = new GenieHive.NodeAgent.Runtimes.Host.RuntimeHostSpec("llamacpp", "tiny-llama", "chat", models.Tiny, 256, 1, 0, 1, null,
            parent.Id, 1 << 20, 1 << 20);
        var (host, failure, _) = await RuntimeHostProcess.StartAsync(spec, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.True(host is not null, failure);
        await using (host)
        {
            parent.Kill();
            await parent.WaitForExitAsync();

            // The host's stdin is still held open here: only the parent pid watch can end it.
            var exited = await Task.WhenAny(host.Exited, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.Same(host.Exited, exited);
            Assert.Equal(0, await host.Exited);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition) => await WaitUntilAsync(() => Task.FromResult(condition()));

    private static Task WaitUntilAsync(Func<Task<bool>> condition) => WaitUntilAsync(condition, TimeSpan.FromSeconds(15));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < limit, $"condition not met within {limit.TotalSeconds} s");
            await Task.Delay(50);
        }
    }
}
