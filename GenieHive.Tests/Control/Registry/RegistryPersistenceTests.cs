using System.Net;
using System.Text.Json.Nodes;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Control.Registry;

public sealed class RegistryPersistenceTests
{
    private const string Catalog = """
        roles:
          - { role_id: mentor, operation: chat, modality: text, routing_policy: { preferred_families: [Qwen3] } }
          - { role_id: embedder, operation: embeddings, modality: text }
        """;

    [Fact]
    public async Task Hosts_services_samples_ownership_and_role_created_at_survive_a_restart_on_the_same_file()
    {
        using var dir = new TempDirectory();
        dir.Write("roles.yaml", Catalog);
        var yaml = ControlPlaneHost.Yaml(extra: "roles_path: roles.yaml");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));

        await using (var first = await ControlPlaneHost.StartAsync(yaml, time, dir.Path))
        {
            var registration = NodePayloads.Registration("h1", NodePayloads.Service("h1/chat"));
            registration["instance_id"] = "inst-1";
            registration["agent_url"] = "http://10.0.0.5:8891";
            (await first.PostNodeAsync("/v1/nodes/register", registration.ToJsonString())).Dispose();
            var beat = NodePayloads.Heartbeat("h1", "draining");
            beat["metrics"] = new JsonObject { ["healthy_service_count"] = 1 };
            beat["resources"] = new JsonObject { ["ram_gb"] = 64 };
            time.Advance(TimeSpan.FromSeconds(10));
            (await first.PostNodeAsync("/v1/nodes/heartbeat", beat.ToJsonString())).Dispose();
            using var ingest = await first.PostJsonAsync("/v1/cluster/benchmarks", new
            {
                samples = new[] { new { benchmark_id = "b1", service_id = "h1/chat", workload = "chat.short", observed_at = 1_749_000_000.5, results = new { pass_rate = 1.0 } } },
            });
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        time.Advance(TimeSpan.FromSeconds(5));
        dir.Write("roles.yaml", "roles:\n  - { role_id: mentor, operation: chat, modality: text }\n");
        await using var second = await ControlPlaneHost.StartAsync(yaml, time, dir.Path);

        var host = Assert.Single((await second.GetJsonAsync("/v1/cluster/hosts")).GetProperty("data").EnumerateArray());
        Assert.Equal("draining", host.GetProperty("status").GetProperty("reported_state").GetString());
        Assert.Equal(1_750_000_010.0, host.GetProperty("status").GetProperty("last_seen").GetDouble());
        Assert.Equal(1, host.GetProperty("metrics").GetProperty("healthy_service_count").GetInt32());
        Assert.Equal(64, host.GetProperty("resources").GetProperty("ram_gb").GetInt32());
        Assert.Equal("lab", host.GetProperty("labels").GetProperty("site").GetString());

        var service = Assert.Single((await second.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray());
        Assert.Equal("h1/chat", service.GetProperty("service_id").GetString());
        Assert.Equal(1_750_000_000.0, service.GetProperty("created_at").GetDouble());
        Assert.Equal("h1/chat-asset", service.GetProperty("assets")[0].GetProperty("asset_id").GetString());
        Assert.Equal("gpu0", service.GetProperty("runtime").GetProperty("device").GetString());
        Assert.Equal(900.0, service.GetProperty("observed").GetProperty("p50_latency_ms").GetDouble());

        var sample = Assert.Single((await second.GetJsonAsync("/v1/cluster/benchmarks")).GetProperty("data").EnumerateArray());
        Assert.Equal(1_749_000_000.5, sample.GetProperty("observed_at").GetDouble());
        Assert.Equal(1.0, sample.GetProperty("results").GetProperty("pass_rate").GetDouble());

        var role = Assert.Single((await second.GetJsonAsync("/v1/cluster/roles")).GetProperty("data").EnumerateArray());
        Assert.Equal("mentor", role.GetProperty("role_id").GetString());
        Assert.Equal(1_750_000_000.0, role.GetProperty("created_at").GetDouble());
        Assert.Equal(1_750_000_015.0, role.GetProperty("updated_at").GetDouble());

        using var otherKey = await second.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1").ToJsonString(), ControlPlaneHost.OtherNodeKey);
        Assert.Equal(HttpStatusCode.Conflict, otherKey.StatusCode);
        var oldInstance = NodePayloads.Heartbeat("h1");
        oldInstance["instance_id"] = "inst-0";
        using var otherInstance = await second.PostNodeAsync("/v1/nodes/heartbeat", oldInstance.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, otherInstance.StatusCode);
    }

    [Fact]
    public async Task Managed_runtime_memory_keys_are_shown_and_survive_a_restart_and_other_services_do_not_gain_them()
    {
        using var dir = new TempDirectory();
        var yaml = ControlPlaneHost.Yaml();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        var managed = NodePayloads.Service("h1/chat");
        managed["observed"] = new JsonObject { ["in_flight"] = 1, ["memory_used_bytes"] = 734_003_200L, ["memory_budget_bytes"] = 4_294_967_296L };
        var plain = NodePayloads.Service("h1/other");

        await using (var first = await ControlPlaneHost.StartAsync(yaml, time, dir.Path))
        {
            (await first.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", managed, plain).ToJsonString())).Dispose();
            AssertMemory(await first.GetJsonAsync("/v1/cluster/services"));

            var badObserved = NodePayloads.Service("h1/chat");
            badObserved["observed"] = new JsonObject { ["memory_used_bytes"] = "a lot" };
            using var bad = await first.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", badObserved).ToJsonString());
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("memory_used_bytes", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using var second = await ControlPlaneHost.StartAsync(yaml, time, dir.Path);
        AssertMemory(await second.GetJsonAsync("/v1/cluster/services"));

        static void AssertMemory(System.Text.Json.JsonElement services)
        {
            var byId = services.GetProperty("data").EnumerateArray().ToDictionary(s => s.GetProperty("service_id").GetString()!, s => s.GetProperty("observed"));
            Assert.Equal(734_003_200L, byId["h1/chat"].GetProperty("memory_used_bytes").GetInt64());
            Assert.Equal(4_294_967_296L, byId["h1/chat"].GetProperty("memory_budget_bytes").GetInt64());
            Assert.Equal(1, byId["h1/chat"].GetProperty("in_flight").GetInt32());
            Assert.False(byId["h1/other"].TryGetProperty("memory_used_bytes", out _));
            Assert.False(byId["h1/other"].TryGetProperty("memory_budget_bytes", out _));
        }
    }

    [Fact]
    public async Task A_silent_host_starts_stale_after_a_restart()
    {
        using var dir = new TempDirectory();
        var yaml = ControlPlaneHost.Yaml();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        await using (var first = await ControlPlaneHost.StartAsync(yaml, time, dir.Path))
        {
            (await first.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("h1/chat")).ToJsonString())).Dispose();
        }

        time.Advance(TimeSpan.FromMinutes(5));
        await using var second = await ControlPlaneHost.StartAsync(yaml, time, dir.Path);

        var host = Assert.Single((await second.GetJsonAsync("/v1/cluster/hosts")).GetProperty("data").EnumerateArray());
        Assert.Equal("stale", host.GetProperty("status").GetProperty("state").GetString());
        var service = Assert.Single((await second.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray());
        Assert.Equal("host_stale", service.GetProperty("live").GetProperty("reason").GetString());
    }
}
