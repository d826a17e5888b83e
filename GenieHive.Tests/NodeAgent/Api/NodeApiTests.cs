using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Api;

public sealed class NodeApiTests
{
    private const string Key = "a-long-random-node-key-0123456789";

    private const string Yaml = $$"""
        node: { host_id: "api-host", listen_port: 0 }
        control_plane: { node_api_key: "{{Key}}" }
        simulated:
          - { id: "chat-a", kind: "chat", models: ["m"] }
        """;

    [Fact]
    public async Task Node_routes_answer_401_in_the_envelope_without_the_key_and_200_with_it()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var anonymous = agent.CreateClient();
        using var wrong = agent.CreateClient("not-the-key");
        using var keyed = agent.CreateClient(Key);

        using var denied = await anonymous.GetAsync("/v1/node/inventory");
        using var wrongKey = await wrong.PostAsync("/v1/node/simulated/chat-a/kill", null);
        using var allowed = await keyed.GetAsync("/v1/node/registration");

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Bearer", denied.Headers.WwwAuthenticate.Single().Scheme);
        var error = (await denied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("unauthorized", error.GetProperty("code").GetString());
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.False(agent.Simulated("chat-a").Killed);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("api-host", (await allowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("host_id").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Refresh_with_malformed_json_is_400_invalid_json_and_unknown_routes_get_the_envelope()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.CreateClient(Key);

        using var bad = await client.PostAsync("/v1/node/services/refresh", new StringContent("{oops", System.Text.Encoding.UTF8, "application/json"));
        using var unknown = await client.GetAsync("/v1/node/nothing-here");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid_json", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_inventory_carries_host_resources_and_contribution_policy()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.CreateClient(Key);

        var inventory = await client.GetFromJsonAsync<JsonElement>("/v1/node/inventory");

        Assert.Equal(32, inventory.GetProperty("instance_id").GetString()!.Length);
        Assert.StartsWith("http://127.0.0.1:", inventory.GetProperty("agent_url").GetString(), StringComparison.Ordinal);
        var policy = inventory.GetProperty("resources").GetProperty("contribution_policy");
        Assert.Equal(6, policy.EnumerateObject().Count());
    }
}
