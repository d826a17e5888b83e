using System.Net;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Api;

public sealed class ClusterApiTests
{
    private static async Task RegisterAsync(ControlPlaneHost host, string hostId, params System.Text.Json.Nodes.JsonObject[] services)
    {
        using var response = await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration(hostId, services).ToJsonString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static JsonElement Live(JsonElement services, string id) =>
        services.GetProperty("data").EnumerateArray().Single(s => s.GetProperty("service_id").GetString() == id).GetProperty("live");

    [Fact]
    public async Task A_silent_host_goes_stale_leaves_routing_and_returns_with_its_next_heartbeat()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        await RegisterAsync(host, "h1", NodePayloads.Service("h1/chat"));
        await RegisterAsync(host, "h2", NodePayloads.Service("h2/chat"), NodePayloads.Service("h2/sick", health: "unhealthy"));

        host.Time.Advance(TimeSpan.FromSeconds(20));
        (await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h2").ToJsonString())).Dispose();
        host.Time.Advance(TimeSpan.FromSeconds(11));

        var health = await host.GetJsonAsync("/v1/cluster/health");
        Assert.Equal(
            """{"status":"ok","host_count":2,"online_host_count":1,"stale_host_count":1,"service_count":3,"healthy_service_count":2,"routable_service_count":1}""",
            health.GetRawText());
        var hosts = (await host.GetJsonAsync("/v1/cluster/hosts")).GetProperty("data");
        Assert.Equal("stale", hosts[0].GetProperty("status").GetProperty("state").GetString());
        Assert.Equal("online", hosts[0].GetProperty("status").GetProperty("reported_state").GetString());
        var services = await host.GetJsonAsync("/v1/cluster/services");
        Assert.False(Live(services, "h1/chat").GetProperty("routable").GetBoolean());
        Assert.Equal("host_stale", Live(services, "h1/chat").GetProperty("reason").GetString());
        Assert.Equal("unhealthy", Live(services, "h2/sick").GetProperty("reason").GetString());
        Assert.True(Live(services, "h2/chat").GetProperty("routable").GetBoolean());

        (await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h1").ToJsonString())).Dispose();

        var after = await host.GetJsonAsync("/v1/cluster/services");
        Assert.True(Live(after, "h1/chat").GetProperty("routable").GetBoolean());
        Assert.Equal(2, (await host.GetJsonAsync("/v1/cluster/health")).GetProperty("routable_service_count").GetInt32());
    }

    [Fact]
    public async Task Deleting_a_host_removes_it_and_its_services_and_an_unknown_host_is_404()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        await RegisterAsync(host, "h1", NodePayloads.Service("h1/a"), NodePayloads.Service("h1/b"));
        await RegisterAsync(host, "h2", NodePayloads.Service("h2/a"));
        using var client = host.Client();

        using var deleted = await client.DeleteAsync("/v1/cluster/hosts/h1");
        using var unknown = await client.DeleteAsync("/v1/cluster/hosts/h1");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("""{"status":"ok","host_id":"h1","removed_service_count":2}""", await deleted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown_host", (await ControlPlaneHost.ReadJsonAsync(unknown)).GetProperty("error").GetProperty("code").GetString());
        var services = (await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data");
        Assert.Equal("h2/a", Assert.Single(services.EnumerateArray()).GetProperty("service_id").GetString());
        using var heartbeat = await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h1").ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, heartbeat.StatusCode);
    }

    [Fact]
    public async Task Roles_are_listed_with_every_key_and_defaults_filled()
    {
        using var dir = new TempDirectory();
        dir.Write("roles.yaml", "roles:\n  - { role_id: r, operation: chat, modality: text, prompt_policy: { system_prompt: Hi } }\n");
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(extra: $"roles_path: \"{dir.Combine("roles.yaml")}\""));

        var role = Assert.Single((await host.GetJsonAsync("/v1/cluster/roles")).GetProperty("data").EnumerateArray());

        Assert.Equal(
            """{"role_id":"r","display_name":null,"description":null,"operation":"chat","modality":"text","prompt_policy":{"system_prompt":"Hi","user_template":null,"request_policy":{"body_defaults":{},"system_prompt":null,"system_prompt_position":"prepend"}},"routing_policy":{"preferred_families":[],"preferred_labels":[],"min_context":null,"require_loaded":false,"allow_employee_devices":false,"allowed_trust_tiers":[],"denied_trust_tiers":[],"allowed_device_classes":[],"denied_device_classes":[],"allowed_workload_classes":[],"denied_workload_classes":[],"fallback_roles":[],"guardrail_profile":"none","tool_mode":"auto","force_respond_tool":false,"context_budget_mode":"auto","agentic_benchmark_workloads":[]},"created_at":1750000000.0,"updated_at":1750000000.0}""",
            role.GetRawText());
    }

    [Fact]
    public async Task Benchmark_ingest_upserts_and_the_list_filters_orders_and_limits()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        using var first = await host.PostJsonAsync("/v1/cluster/benchmarks", new
        {
            samples = new object[]
            {
                new { benchmark_id = "b1", service_id = "s1", workload = "chat.short", observed_at = 100.0, results = new { pass_rate = 0.5 } },
                new { benchmark_id = "b2", service_id = "s1", workload = "chat.long", observed_at = 300.0 },
                new { benchmark_id = "b3", service_id = "s2", workload = "chat.short", observed_at = 300.0, asset_id = "a" },
            },
        });
        using var second = await host.PostJsonAsync("/v1/cluster/benchmarks", new
        {
            samples = new[] { new { benchmark_id = "b1", service_id = "s1", workload = "chat.short", observed_at = 200.0, results = new { pass_rate = 1.0 } } },
        });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var body = await ControlPlaneHost.ReadJsonAsync(second);
        Assert.Equal(1, body.GetProperty("count").GetInt32());
        Assert.Equal(["b2", "b3", "b1"], body.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("benchmark_id").GetString()!).ToArray());
        var all = (await host.GetJsonAsync("/v1/cluster/benchmarks")).GetProperty("data");
        Assert.Equal(1.0, all[2].GetProperty("results").GetProperty("pass_rate").GetDouble());
        Assert.Equal(JsonValueKind.Null, all[0].GetProperty("asset_id").ValueKind);
        Assert.Equal("{}", all[0].GetProperty("results").GetRawText());

        var filtered = (await host.GetJsonAsync("/v1/cluster/benchmarks?service_id=s1&workload=chat.short")).GetProperty("data");
        Assert.Equal("b1", Assert.Single(filtered.EnumerateArray()).GetProperty("benchmark_id").GetString());
        var limited = (await host.GetJsonAsync("/v1/cluster/benchmarks?limit=2")).GetProperty("data");
        Assert.Equal(["b2", "b3"], limited.EnumerateArray().Select(s => s.GetProperty("benchmark_id").GetString()!).ToArray());

        using var client = host.Client();
        using var badLimit = await client.GetAsync("/v1/cluster/benchmarks?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("limit", (await ControlPlaneHost.ReadJsonAsync(badLimit)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task An_invalid_sample_is_400_naming_the_field_and_nothing_of_the_batch_is_stored()
    {
        await using var host = await ControlPlaneHost.StartAsync();

        using var response = await host.PostJsonAsync("/v1/cluster/benchmarks", new
        {
            samples = new object[]
            {
                new { benchmark_id = "ok", service_id = "s1", workload = "w", observed_at = 1.0 },
                new { benchmark_id = "ok2", service_id = "s1", workload = "w", observed_at = "yesterday" },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ControlPlaneHost.ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Equal("samples[1].observed_at", error.GetProperty("param").GetString());
        Assert.Empty((await host.GetJsonAsync("/v1/cluster/benchmarks")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Readiness_reports_ok_once_configuration_is_loaded_and_the_registry_is_open()
    {
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(sqlitePath: ":memory:"));
        using var client = host.Client(clientKey: null);

        using var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
    }
}
