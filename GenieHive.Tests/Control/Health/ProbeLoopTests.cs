using System.Net;
using System.Text.Json;
using GenieHive.Control.Health;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Health;

public sealed class ProbeLoopTests
{
    /// <summary>A loopback model server whose <c>/health</c> status the test sets.</summary>
    private sealed class FakeModelServer
    {
        public volatile int HealthStatus = 200;
        public volatile int ModelsStatus = 200;
        public int HealthCalls;

        public Task<KestrelHost> StartAsync() => KestrelHost.StartAsync(app =>
        {
            app.MapGet("/health", () =>
            {
                Interlocked.Increment(ref HealthCalls);
                return Results.StatusCode(HealthStatus);
            });
            app.MapGet("/v1/models", () => Results.StatusCode(ModelsStatus));
        });
    }

    private static async Task<long> NextCycleAsync(ControlPlaneHost host, TimeSpan advance)
    {
        var loop = host.Services.GetRequiredService<ProbeLoop>();
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnCycle(long n) => done.TrySetResult(n);
        loop.CycleCompleted += OnCycle;
        try
        {
            host.Time.Advance(advance);
            return await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            loop.CycleCompleted -= OnCycle;
        }
    }

    private static async Task<JsonElement> LiveAsync(ControlPlaneHost host, string serviceId) =>
        (await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
            .Single(s => s.GetProperty("service_id").GetString() == serviceId).GetProperty("live");

    [Fact]
    public async Task Probing_flips_a_service_unhealthy_when_its_health_returns_500_and_back_when_it_recovers()
    {
        var model = new FakeModelServer();
        await using var upstream = await model.StartAsync();
        var endpoint = upstream.BaseAddress.ToString().TrimEnd('/');
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(staleAfter: 3600, probeInterval: 10));
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("h1/chat", endpoint)).ToJsonString())).Dispose();

        var before = await LiveAsync(host, "h1/chat");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("probe").ValueKind);

        await NextCycleAsync(host, TimeSpan.FromSeconds(10));
        Assert.Equal("healthy", (await LiveAsync(host, "h1/chat")).GetProperty("probe").GetString());

        model.HealthStatus = 500;
        await NextCycleAsync(host, TimeSpan.FromSeconds(10));
        var failing = await LiveAsync(host, "h1/chat");
        Assert.Equal("unhealthy", failing.GetProperty("probe").GetString());
        Assert.Equal("probe_failed", failing.GetProperty("reason").GetString());

        // A heartbeat saying healthy never overwrites the control plane's own verdict (D18).
        var beat = NodePayloads.Heartbeat("h1");
        beat["services"] = new System.Text.Json.Nodes.JsonArray(NodePayloads.Service("h1/chat", endpoint));
        (await host.PostNodeAsync("/v1/nodes/heartbeat", beat.ToJsonString())).Dispose();
        Assert.Equal("unhealthy", (await LiveAsync(host, "h1/chat")).GetProperty("probe").GetString());

        model.HealthStatus = 200;
        await NextCycleAsync(host, TimeSpan.FromSeconds(10));
        var recovered = await LiveAsync(host, "h1/chat");
        Assert.Equal("healthy", recovered.GetProperty("probe").GetString());
        Assert.True(recovered.GetProperty("routable").GetBoolean());
    }

    [Fact]
    public async Task A_404_health_falls_back_to_v1_models()
    {
        var model = new FakeModelServer { HealthStatus = 404, ModelsStatus = 200 };
        await using var upstream = await model.StartAsync();
        var endpoint = upstream.BaseAddress.ToString().TrimEnd('/');
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(staleAfter: 3600, probeInterval: 5));
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("h1/chat", endpoint)).ToJsonString())).Dispose();

        await NextCycleAsync(host, TimeSpan.FromSeconds(5));
        Assert.Equal("healthy", (await LiveAsync(host, "h1/chat")).GetProperty("probe").GetString());

        model.ModelsStatus = 503;
        await NextCycleAsync(host, TimeSpan.FromSeconds(5));
        Assert.Equal("unhealthy", (await LiveAsync(host, "h1/chat")).GetProperty("probe").GetString());
    }

    [Fact]
    public async Task A_refused_connection_is_unhealthy_and_configured_providers_are_skipped()
    {
        var closedPort = FreePort.Next();
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(staleAfter: 3600, probeInterval: 5));
        var provider = NodePayloads.Service("provider/x/chat", $"http://127.0.0.1:{closedPort}");
        provider["runtime"]!["launcher"] = "configured_provider";
        (await host.PostNodeAsync("/v1/nodes/register",
            NodePayloads.Registration("h1", NodePayloads.Service("h1/down", $"http://127.0.0.1:{closedPort}"), provider).ToJsonString())).Dispose();

        await NextCycleAsync(host, TimeSpan.FromSeconds(5));

        Assert.Equal("unhealthy", (await LiveAsync(host, "h1/down")).GetProperty("probe").GetString());
        Assert.Equal(JsonValueKind.Null, (await LiveAsync(host, "provider/x/chat")).GetProperty("probe").ValueKind);
    }
}
