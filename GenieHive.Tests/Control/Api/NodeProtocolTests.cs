using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Api;

public sealed class NodeProtocolTests
{
    private static async Task<JsonElement> ExpectErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? param = null)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await ControlPlaneHost.ReadJsonAsync(response);
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }

        return error;
    }

    [Fact]
    public async Task Registration_stores_the_host_and_services_and_answers_the_host_object()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        var payload = NodePayloads.Registration("atlas-01", NodePayloads.Service("atlas-01/chat/qwen3-8b"));
        payload["instance_id"] = "inst-1";
        payload["agent_url"] = "http://10.0.0.5:8891";

        using var response = await host.PostNodeAsync("/v1/nodes/register", payload.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ControlPlaneHost.ReadJsonAsync(response);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        var hostJson = body.GetProperty("host");
        Assert.Equal("atlas-01", hostJson.GetProperty("host_id").GetString());
        Assert.Equal("online", hostJson.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(1_750_000_000.0, hostJson.GetProperty("status").GetProperty("last_seen").GetDouble());
        Assert.Contains("\"last_seen\":1750000000.0", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var services = await host.GetJsonAsync("/v1/cluster/services");
        Assert.Equal("list", services.GetProperty("object").GetString());
        var service = Assert.Single(services.GetProperty("data").EnumerateArray());
        Assert.Equal("atlas-01", service.GetProperty("host_id").GetString());
        Assert.Equal("http://127.0.0.1:18091", service.GetProperty("endpoint").GetString());
        var runtime = service.GetProperty("runtime");
        Assert.Equal(32768, runtime.GetProperty("context_size").GetInt64());
        Assert.Equal(JsonValueKind.Null, runtime.GetProperty("launcher").ValueKind);
        Assert.Equal("gpu0", runtime.GetProperty("device").GetString());
        Assert.Equal(JsonValueKind.Null, service.GetProperty("observed").GetProperty("queue_depth").ValueKind);
        Assert.True(service.GetProperty("state").GetProperty("accept_requests").GetBoolean());
        Assert.Equal(1_750_000_000.0, service.GetProperty("created_at").GetDouble());
        var live = service.GetProperty("live");
        Assert.True(live.GetProperty("routable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, live.GetProperty("reason").ValueKind);
        Assert.Equal("closed", live.GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task Heartbeat_from_an_unknown_host_is_404_unknown_host_so_the_agent_re_registers()
    {
        await using var host = await ControlPlaneHost.StartAsync();

        using var response = await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("ghost").ToJsonString());

        await ExpectErrorAsync(response, HttpStatusCode.NotFound, "unknown_host", "host_id");
    }

    [Fact]
    public async Task Heartbeat_updates_state_and_metrics_and_keeps_services_when_none_are_sent()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("h1/chat")).ToJsonString())).Dispose();
        host.Time.Advance(TimeSpan.FromSeconds(5));

        using var response = await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h1", "draining").ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hosts = await host.GetJsonAsync("/v1/cluster/hosts");
        var h1 = Assert.Single(hosts.GetProperty("data").EnumerateArray());
        Assert.Equal("draining", h1.GetProperty("status").GetProperty("reported_state").GetString());
        Assert.Equal(1_750_000_005.0, h1.GetProperty("status").GetProperty("last_seen").GetDouble());
        Assert.Equal(1, h1.GetProperty("metrics").GetProperty("service_count").GetInt32());
        var service = Assert.Single((await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray());
        Assert.Equal("host_offline", service.GetProperty("live").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Re_registration_replaces_services_and_keeps_created_at_of_existing_ids()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        (await host.PostNodeAsync("/v1/nodes/register",
            NodePayloads.Registration("h1", NodePayloads.Service("h1/a"), NodePayloads.Service("h1/b")).ToJsonString())).Dispose();
        host.Time.Advance(TimeSpan.FromSeconds(60));

        using var response = await host.PostNodeAsync("/v1/nodes/register",
            NodePayloads.Registration("h1", NodePayloads.Service("h1/b"), NodePayloads.Service("h1/c")).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var services = (await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["h1/b", "h1/c"], services.Select(s => s.GetProperty("service_id").GetString()!).ToArray());
        Assert.Equal(1_750_000_000.0, services[0].GetProperty("created_at").GetDouble());
        Assert.Equal(1_750_000_060.0, services[0].GetProperty("updated_at").GetDouble());
        Assert.Equal(1_750_000_060.0, services[1].GetProperty("created_at").GetDouble());
    }

    [Fact]
    public async Task Node_routes_need_a_node_key_and_client_keys_never_open_them()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        var body = NodePayloads.Registration("h1").ToJsonString();

        using var missing = await host.PostNodeAsync("/v1/nodes/register", body, nodeKey: null);
        using var clientKey = await host.PostNodeAsync("/v1/nodes/register", body, nodeKey: ControlPlaneHost.ClientKey);
        using var valid = await host.PostNodeAsync("/v1/nodes/register", body);

        await ExpectErrorAsync(missing, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        await ExpectErrorAsync(clientKey, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    [Fact]
    public async Task Operator_routes_take_bearer_or_x_api_key_and_node_keys_never_open_them()
    {
        await using var host = await ControlPlaneHost.StartAsync();

        using var none = host.Client(clientKey: null);
        using var nodeKeyAsClient = host.Client(ControlPlaneHost.NodeKey);
        using var bearerNodeKey = host.BearerClient(ControlPlaneHost.NodeKey);
        using var apiKey = host.Client();
        using var bearer = host.BearerClient(ControlPlaneHost.ClientKey);

        using var noneResponse = await none.GetAsync("/v1/cluster/hosts");
        await ExpectErrorAsync(noneResponse, HttpStatusCode.Unauthorized, "unauthorized");
        using var nodeResponse = await nodeKeyAsClient.GetAsync("/v1/cluster/hosts");
        await ExpectErrorAsync(nodeResponse, HttpStatusCode.Unauthorized, "unauthorized");
        using var bearerNodeResponse = await bearerNodeKey.GetAsync("/v1/cluster/hosts");
        Assert.Equal(HttpStatusCode.Unauthorized, bearerNodeResponse.StatusCode);
        using var apiKeyResponse = await apiKey.GetAsync("/v1/cluster/hosts");
        Assert.Equal(HttpStatusCode.OK, apiKeyResponse.StatusCode);
        using var bearerResponse = await bearer.GetAsync("/v1/cluster/hosts");
        Assert.Equal(HttpStatusCode.OK, bearerResponse.StatusCode);
    }

    [Fact]
    public async Task Without_keys_both_node_and_operator_routes_are_open()
    {
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(keys: false));

        using var register = await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1").ToJsonString(), nodeKey: null);
        using var client = host.Client(clientKey: null);
        using var hosts = await client.GetAsync("/v1/cluster/hosts");

        Assert.Equal(HttpStatusCode.OK, register.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hosts.StatusCode);
    }

    [Fact]
    public async Task A_service_id_owned_by_another_host_is_409_until_that_host_is_stale_ten_windows()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("shared/chat")).ToJsonString())).Dispose();
        var steal = NodePayloads.Registration("h2", NodePayloads.Service("h2/own"), NodePayloads.Service("shared/chat")).ToJsonString();

        using var conflict = await host.PostNodeAsync("/v1/nodes/register", steal);
        var error = await ExpectErrorAsync(conflict, HttpStatusCode.Conflict, "service_conflict", "services[1].service_id");
        Assert.Contains("'shared/chat' belongs to host 'h1'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var afterConflict = await host.GetJsonAsync("/v1/cluster/hosts");
        Assert.Equal(["h1"], afterConflict.GetProperty("data").EnumerateArray().Select(h => h.GetProperty("host_id").GetString()!).ToArray());

        host.Time.Advance(TimeSpan.FromSeconds(300));
        using var stillOwned = await host.PostNodeAsync("/v1/nodes/register", steal);
        Assert.Equal(HttpStatusCode.Conflict, stillOwned.StatusCode);

        host.Time.Advance(TimeSpan.FromSeconds(1));
        using var claimed = await host.PostNodeAsync("/v1/nodes/register", steal);
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var services = (await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
            .ToDictionary(s => s.GetProperty("service_id").GetString()!, s => s.GetProperty("host_id").GetString());
        Assert.Equal("h2", services["shared/chat"]);
        Assert.Equal(2, services.Count);
    }

    [Fact]
    public async Task A_host_is_bound_to_the_node_key_that_registered_it()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1").ToJsonString())).Dispose();

        using var register = await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1").ToJsonString(), ControlPlaneHost.OtherNodeKey);
        using var heartbeat = await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h1").ToJsonString(), ControlPlaneHost.OtherNodeKey);
        using var owner = await host.PostNodeAsync("/v1/nodes/heartbeat", NodePayloads.Heartbeat("h1").ToJsonString());

        await ExpectErrorAsync(register, HttpStatusCode.Conflict, "host_conflict");
        await ExpectErrorAsync(heartbeat, HttpStatusCode.Conflict, "host_conflict");
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public async Task The_latest_registering_instance_owns_the_host_and_an_older_one_gets_host_conflict()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        var first = NodePayloads.Registration("h1");
        first["instance_id"] = "old";
        var second = NodePayloads.Registration("h1");
        second["instance_id"] = "new";
        (await host.PostNodeAsync("/v1/nodes/register", first.ToJsonString())).Dispose();
        (await host.PostNodeAsync("/v1/nodes/register", second.ToJsonString())).Dispose();
        var oldBeat = NodePayloads.Heartbeat("h1");
        oldBeat["instance_id"] = "old";
        var newBeat = NodePayloads.Heartbeat("h1");
        newBeat["instance_id"] = "new";

        using var stale = await host.PostNodeAsync("/v1/nodes/heartbeat", oldBeat.ToJsonString());
        using var current = await host.PostNodeAsync("/v1/nodes/heartbeat", newBeat.ToJsonString());

        await ExpectErrorAsync(stale, HttpStatusCode.Conflict, "host_conflict", "instance_id");
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
    }

    [Theory]
    [InlineData("{\"host_id\": ")]
    [InlineData("[1, 2]")]
    [InlineData("\"text\"")]
    public async Task Malformed_or_non_object_json_is_400_invalid_json_in_the_envelope(string body)
    {
        await using var host = await ControlPlaneHost.StartAsync();

        using var response = await host.PostNodeAsync("/v1/nodes/register", body);

        var error = await ExpectErrorAsync(response, HttpStatusCode.BadRequest, "invalid_json");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Fact]
    public async Task Json_nested_deeper_than_64_is_invalid_json()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        var body = "{\"host_id\":\"h\",\"labels\":" + string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70) + "}";

        using var response = await host.PostNodeAsync("/v1/nodes/register", body);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, "invalid_json");
    }

    public static TheoryData<string, string> InvalidFields => new()
    {
        { """{"address":"a"}""", "host_id" },
        { """{"host_id":"h","address":""}""", "address" },
        { """{"host_id":"h","address":"a","labels":{"x":1}}""", "labels.x" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"completions","endpoint":"http://x"}]}""", "services[0].kind" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"ftp://x"}]}""", "services[0].endpoint" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x"},{"service_id":"s","kind":"chat","endpoint":"http://y"}]}""", "services[1].service_id" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x","assets":[{"asset_id":"a"},{"asset_id":"a"}]}]}""", "services[0].assets[1].asset_id" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x","runtime":{"context_size":"big"}}]}""", "services[0].runtime.context_size" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x","runtime":{"flags":[1]}}]}""", "services[0].runtime.flags" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x","state":{"availability":"gone"}}]}""", "services[0].state.availability" },
        { """{"host_id":"h","address":"a","services":[{"service_id":"s","kind":"chat","endpoint":"http://x","observed":{"queue_depth":1.5}}]}""", "services[0].observed.queue_depth" },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task An_invalid_registration_field_is_400_naming_it_and_nothing_is_stored(string body, string param)
    {
        await using var host = await ControlPlaneHost.StartAsync();

        using var response = await host.PostNodeAsync("/v1/nodes/register", body);

        await ExpectErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request", param);
        Assert.Empty((await host.GetJsonAsync("/v1/cluster/hosts")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task A_body_over_the_json_limit_is_413_whether_announced_or_chunked()
    {
        await using var host = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(maxJsonBytes: 1024));
        var big = NodePayloads.Registration("h1");
        big["display_name"] = new string('x', 4096);

        using var announced = await host.PostNodeAsync("/v1/nodes/register", big.ToJsonString());
        await ExpectErrorAsync(announced, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        using var client = host.NodeClient();
        using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big.ToJsonString())));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/nodes/register") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var streamed = await client.SendAsync(request);
        await ExpectErrorAsync(streamed, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Empty((await host.GetJsonAsync("/v1/cluster/hosts")).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Heartbeat_with_services_replaces_them_and_unknown_timestamps_are_rejected()
    {
        await using var host = await ControlPlaneHost.StartAsync();
        (await host.PostNodeAsync("/v1/nodes/register", NodePayloads.Registration("h1", NodePayloads.Service("h1/a")).ToJsonString())).Dispose();
        var beat = NodePayloads.Heartbeat("h1");
        beat["services"] = new JsonArray(NodePayloads.Service("h1/a", health: "unhealthy"));
        var badStamp = NodePayloads.Heartbeat("h1");
        badStamp["status"]!["last_seen"] = "yesterday-ish";

        using var ok = await host.PostNodeAsync("/v1/nodes/heartbeat", beat.ToJsonString());
        using var bad = await host.PostNodeAsync("/v1/nodes/heartbeat", badStamp.ToJsonString());

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await ExpectErrorAsync(bad, HttpStatusCode.BadRequest, "invalid_request", "status.last_seen");
        var service = Assert.Single((await host.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray());
        Assert.Equal("unhealthy", service.GetProperty("state").GetProperty("health").GetString());
        Assert.Equal("unhealthy", service.GetProperty("live").GetProperty("reason").GetString());
    }
}
