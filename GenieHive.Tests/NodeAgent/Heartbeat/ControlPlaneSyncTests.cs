using System.Net.Http.Json;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Heartbeat;

public sealed class ControlPlaneSyncTests
{
    private static string Yaml(int port) => $$"""
        node: { host_id: "hb-host", listen_port: 0 }
        control_plane: { base_url: "http://127.0.0.1:{{port}}", heartbeat_interval_s: 0.1, discovery_interval_s: 30 }
        simulated:
          - { id: "chat-a", kind: "chat", models: ["m"] }
        """;

    [Fact]
    public async Task Heartbeats_resume_after_a_control_plane_restart_by_registering_again_on_unknown_host()
    {
        var port = FreePort.Next();
        var first = await FakeControlPlane.StartAsync(port);
        var agent = await NodeAgentHost.StartAsync(Yaml(port));
        FakeControlPlane? second = null;
        try
        {
            var registration = await first.WaitForAsync("/v1/nodes/register");
            var instance = registration.GetProperty("instance_id").GetString();
            Assert.Equal("hb-host", registration.GetProperty("host_id").GetString());
            Assert.Equal("simulated", registration.GetProperty("services")[0].GetProperty("runtime").GetProperty("engine").GetString());
            Assert.True(registration.GetProperty("resources").GetProperty("cpu_threads").GetInt32() >= 1);
            var heartbeat = await first.WaitForAsync("/v1/nodes/heartbeat");
            Assert.Equal("online", heartbeat.GetProperty("status").GetProperty("state").GetString());
            Assert.Equal(1, heartbeat.GetProperty("services").GetArrayLength());
            Assert.Equal(1, heartbeat.GetProperty("metrics").GetProperty("healthy_service_count").GetInt32());
            Assert.False(heartbeat.TryGetProperty("resources", out _));

            await first.DisposeAsync();
            second = await FakeControlPlane.StartAsync(port);

            var again = await second.WaitForAsync("/v1/nodes/register");
            var resumed = await second.WaitForAsync("/v1/nodes/heartbeat");
            Assert.Equal(instance, again.GetProperty("instance_id").GetString());
            Assert.Equal(instance, resumed.GetProperty("instance_id").GetString());
            Assert.Equal("/v1/nodes/register", second.Calls.First().Path);
        }
        finally
        {
            await agent.DisposeAsync();
            await first.DisposeAsync();
        }

        var offline = await second.WaitForAsync("/v1/nodes/heartbeat", b => b.GetProperty("status").GetProperty("state").GetString() == "offline");
        Assert.Equal("hb-host", offline.GetProperty("host_id").GetString());
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Refresh_pushes_a_heartbeat_and_reports_why_it_was_not_sent_without_a_control_plane()
    {
        var port = FreePort.Next();
        await using var control = await FakeControlPlane.StartAsync(port);
        await using var agent = await NodeAgentHost.StartAsync(Yaml(port).Replace("heartbeat_interval_s: 0.1", "heartbeat_interval_s: 60", StringComparison.Ordinal));
        await control.WaitForAsync("/v1/nodes/heartbeat");
        using var client = agent.CreateClient();

        var refreshes = await Task.WhenAll(client.PostAsync("/v1/node/services/refresh", null), client.PostAsync("/v1/node/services/refresh", null));
        var body = await refreshes[0].Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("ok", body.GetProperty("status").GetString());
        Assert.Equal("hb-host", body.GetProperty("host_id").GetString());
        Assert.True(body.GetProperty("heartbeat").GetProperty("sent").GetBoolean());
        Assert.Equal(200, body.GetProperty("heartbeat").GetProperty("status_code").GetInt32());
        Assert.Equal(1, body.GetProperty("services").GetArrayLength());
        // One start-up heartbeat plus one pushed per refresh run (the two calls share a run when they overlap).
        Assert.InRange(control.Calls.Count(c => c.Path == "/v1/nodes/heartbeat"), 2, 3);

        await using var alone = await NodeAgentHost.StartAsync("node: { host_id: \"solo\", listen_port: 0 }\n");
        using var soloClient = alone.CreateClient();
        var solo = await (await soloClient.PostAsync("/v1/node/services/refresh", new StringContent("{}"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(solo.GetProperty("heartbeat").GetProperty("sent").GetBoolean());
        Assert.Contains("no control plane", solo.GetProperty("heartbeat").GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
