using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.NodeAgent.Runtimes;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Control.Api;

/// <summary>
/// The control plane and node agents with managed runtimes (N3): an unloaded target's first-byte allowance, failover
/// on <c>insufficient_memory</c>, and the operator's load and unload through the node's <c>agent_url</c>.
/// </summary>
public sealed class AssetLifecycleTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    private static string NodeYaml(string hostId, Uri control, string runtimes, string extra = "") => $$"""
        node: { host_id: "{{hostId}}", listen_port: 0 }
        control_plane: { base_url: "{{control.ToString().TrimEnd('/')}}", node_api_key: "{{ControlPlaneHost.NodeKey}}", heartbeat_interval_s: 0.1 }
        {{extra}}
        runtimes:
        {{runtimes}}
        """;

    private static async Task<JsonElement> WaitForServiceAsync(ControlPlaneHost control, string serviceId, Func<JsonElement, bool>? condition = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var service = (await control.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
                .Where(s => s.GetProperty("service_id").GetString() == serviceId).Select(s => (JsonElement?)s).FirstOrDefault();
            if (service is { } found && (condition is null || condition(found)))
            {
                return found;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{serviceId} did not register as expected");
            await Task.Delay(50);
        }
    }

    private static bool AssetLoaded(JsonElement service) => service.GetProperty("assets")[0].GetProperty("loaded").GetBoolean();

    private static RuntimeService Find(NodeAgentHost agent, string assetId) => agent.Services.GetRequiredService<RuntimeServices>().Find(assetId)!;

    [Fact]
    public async Task An_unloaded_target_gets_the_load_timeout_as_its_first_byte_allowance_instead_of_the_stream_default()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000));
        var yaml = ControlPlaneHost.Yaml().Replace("probe_interval_s: 0", "probe_interval_s: 0\n  stream_first_byte_timeout_s: 5", StringComparison.Ordinal);
        await using var control = await ControlPlaneHost.StartAsync(yaml, time);
        // A server that takes a while to come up: the load is under way while the control plane's clock moves on.
        var command = LifecycleTests.SimulateCommand(prefix: "sh -c 'sleep 1; exec \"$0\" \"$@\"' ");
        await using var node = await NodeAgentHost.StartAsync(NodeYaml("slow-host", control.Kestrel.BaseAddress,
            $$"""  - { id: "ext", engine: "process", paths: ["{{models.Tiny}}"], command: {{command}}, load_timeout_s: 60 }"""));
        const string serviceId = "slow-host/chat/tiny-llama";
        var before = await WaitForServiceAsync(control, serviceId);
        Assert.False(AssetLoaded(before));
        Assert.Equal(60, before.GetProperty("runtime").GetProperty("first_byte_timeout_s").GetDouble());
        using var client = control.Client();
        var explain = await control.GetJsonAsync("/v1/cluster/routes/resolve?model=tiny-llama&explain=true");
        Assert.Equal(serviceId, explain.GetProperty("resolution").GetProperty("service").GetProperty("service_id").GetString());
        Assert.False(AssetLoaded(explain.GetProperty("resolution").GetProperty("service")));

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = RuntimeAgent.Json("""{"model":"tiny-llama","stream":true,"max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"""),
        };
        var pending = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var service = Find(node, "tiny-llama");
        var clock = Stopwatch.StartNew();
        while (service.Report().State.LoadState != "loading")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "the load did not start");
            await Task.Delay(10);
        }

        // Past the 5 s stream default, well within the 60 s load timeout.
        time.Advance(TimeSpan.FromSeconds(10));
        using var response = await pending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(serviceId, response.Headers.GetValues("X-GenieHive-Service-Id").Single());
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("upstream_timeout", text, StringComparison.Ordinal);
        var after = await WaitForServiceAsync(control, serviceId, AssetLoaded);
        Assert.False(after.GetProperty("runtime").TryGetProperty("first_byte_timeout_s", out var allowance) && allowance.ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task Insufficient_memory_on_one_node_fails_over_to_a_node_that_has_room()
    {
        await using var control = await ControlPlaneHost.StartAsync();
        var runtimes = $$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"] }""";
        await using var full = await NodeAgentHost.StartAsync(NodeYaml("a-host", control.Kestrel.BaseAddress, runtimes, "runtime_budget: { ram_gb: 0.001 }"));
        await using var roomy = await NodeAgentHost.StartAsync(NodeYaml("b-host", control.Kestrel.BaseAddress, runtimes));
        await WaitForServiceAsync(control, "a-host/chat/tiny-llama");
        await WaitForServiceAsync(control, "b-host/chat/tiny-llama");
        using var client = control.Client();

        using var response = await client.PostAsync("/v1/chat/completions", LifecycleTests.Chat("tiny-llama"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // a-host comes first in the direct order; it refused for memory, so b-host answered.
        Assert.Equal("b-host/chat/tiny-llama", response.Headers.GetValues("X-GenieHive-Service-Id").Single());
        Assert.False(Find(full, "tiny-llama").Loaded);
        Assert.True(Find(roomy, "tiny-llama").Loaded);
        Assert.True(Find(full, "tiny-llama").Report().Runtime["memory_estimate_bytes"]!.GetValue<long>() > 1 << 20);

        // The operator's load of the full node's asset relays the node's refusal.
        using var refused = await client.PostAsync("/v1/cluster/services/a-host/chat/tiny-llama/assets/tiny-llama/load", null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("insufficient_memory", (await ControlPlaneHost.ReadJsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Operators_load_and_unload_an_asset_through_the_control_plane_with_the_node_key_kept_only_in_memory()
    {
        await using var control = await ControlPlaneHost.StartAsync();
        await using var node = await NodeAgentHost.StartAsync(NodeYaml("op-host", control.Kestrel.BaseAddress,
            $$"""  - { id: "gguf", engine: "llamacpp", paths: ["{{models.Tiny}}"] }"""));
        const string serviceId = "op-host/chat/tiny-llama";
        await WaitForServiceAsync(control, serviceId);
        var service = Find(node, "tiny-llama");
        using var client = control.Client();
        const string route = "/v1/cluster/services/op-host/chat/tiny-llama/assets/tiny-llama/";

        using var loaded = await client.PostAsync(route + "load", null);
        var body = await ControlPlaneHost.ReadJsonAsync(loaded);
        Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        Assert.Equal(serviceId, body.GetProperty("service_id").GetString());
        Assert.Equal("op-host", body.GetProperty("host_id").GetString());
        Assert.True(body.GetProperty("loaded").GetBoolean());
        Assert.True(service.Loaded);
        await WaitForServiceAsync(control, serviceId, AssetLoaded);

        // The service id may also be sent percent-encoded as one segment.
        using var unloaded = await client.PostAsync("/v1/cluster/services/" + Uri.EscapeDataString(serviceId) + "/assets/tiny-llama/unload", null);
        Assert.Equal(HttpStatusCode.OK, unloaded.StatusCode);
        Assert.False((await ControlPlaneHost.ReadJsonAsync(unloaded)).GetProperty("loaded").GetBoolean());
        Assert.False(service.Loaded);

        using var unknownAsset = await client.PostAsync("/v1/cluster/services/op-host/chat/tiny-llama/assets/nope/load", null);
        Assert.Equal(HttpStatusCode.NotFound, unknownAsset.StatusCode);
        using var unknownService = await client.PostAsync("/v1/cluster/services/op-host/chat/nope/assets/tiny-llama/load", null);
        Assert.Equal(HttpStatusCode.NotFound, unknownService.StatusCode);
        using var anonymous = control.Client(clientKey: null);
        using var refused = await anonymous.PostAsync(route + "load", null);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(service.Loaded);

        // Only the key's digest is stored: the raw key the outbound call used is in no registry file.
        var key = Encoding.UTF8.GetBytes(ControlPlaneHost.NodeKey);
        foreach (var file in Directory.GetFiles(Path.Combine(control.Directory, "state")))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(key));
        }
    }
}
