using System.Buffers;
using System.Text;
using System.Text.Json;
using GenieHive.Control.Api;
using GenieHive.Control.Health;
using GenieHive.Tests.Control.Routing;

namespace GenieHive.Tests.Control.Api;

/// <summary><c>live</c> of the operator API (api.md §4.1): the first failing gate of 2–7, in table order.</summary>
public sealed class ServiceLiveJsonTests
{
    private static string Live(RoutingFixture f, string serviceId, double? now = null)
    {
        var table = f.Table();
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ClusterJson.WriteLive(writer, table.ServicesById[serviceId], table, f.Live.Find(serviceId), now ?? f.Now);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? Reason(RoutingFixture f, string serviceId) =>
        JsonDocument.Parse(Live(f, serviceId)).RootElement.GetProperty("reason").GetString();

    [Fact]
    public void A_routable_service_without_live_state_has_every_field_at_its_default()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1");

        Assert.Equal(
            """{"routable":true,"reason":null,"probe":null,"in_flight":0,"consecutive_failures":0,"circuit":"closed","cooldown_until":null}""",
            Live(f, "h1/chat"));
    }

    [Fact]
    public void Each_common_gate_is_the_reason_when_it_is_the_first_to_fail()
    {
        var f = new RoutingFixture();
        f.Host("stale", lastSeen: RoutingFixture.Start - 31);
        f.Service("stale/chat", "stale");
        f.Host("off", state: "offline");
        f.Service("off/chat", "off");
        f.Host("drain", state: "draining");
        f.Service("drain/chat", "drain");
        f.Service("h1/closed", "h1", accept: false);
        f.Service("h1/sick", "h1", health: "unhealthy");
        f.Service("h1/probe", "h1");
        f.Live.Get("h1/probe").Probe = ProbeVerdict.Unhealthy;
        f.Service("h1/paused", "h1", availability: "paused_by_user");
        f.Service("h1/busy", "h1", availability: "busy");
        f.Service("h1/cool", "h1");
        f.Trip("h1/cool");
        f.Host("fam", resources: """{"contribution_policy":{"allowed_model_families":["mistral"]}}""");
        f.Service("fam/llama", "fam", assets: ["llama-3-8b"]);
        f.Service("fam/mistral", "fam", assets: ["mistral-7b"]);
        f.Host("emp", labels: """{"trust_tier":"employee_device"}""");
        f.Service("emp/chat", "emp");

        Assert.Equal("host_stale", Reason(f, "stale/chat"));
        Assert.Equal("host_offline", Reason(f, "off/chat"));
        Assert.Equal("host_offline", Reason(f, "drain/chat"));
        Assert.Equal("not_accepting_requests", Reason(f, "h1/closed"));
        Assert.Equal("unhealthy", Reason(f, "h1/sick"));
        Assert.Equal("probe_failed", Reason(f, "h1/probe"));
        Assert.Equal("unavailable", Reason(f, "h1/paused"));
        Assert.Null(Reason(f, "h1/busy"));
        Assert.Equal("cooling_down", Reason(f, "h1/cool"));
        Assert.Equal("host_model_family_policy", Reason(f, "fam/llama"));
        Assert.Null(Reason(f, "fam/mistral"));
        Assert.Null(Reason(f, "emp/chat"));   // gate 8 is direct-only, not one of the common gates
    }

    [Fact]
    public void A_tripped_circuit_shows_open_with_its_cooldown_and_a_half_open_trial_blocks_peers()
    {
        var f = new RoutingFixture();
        f.Service("h1/chat", "h1");
        f.Trip("h1/chat");

        Assert.Equal(
            """{"routable":false,"reason":"cooling_down","probe":null,"in_flight":0,"consecutive_failures":3,"circuit":"open","cooldown_until":1732300030.0}""",
            Live(f, "h1/chat"));

        var later = f.Now + 31;
        f.Host("h1", lastSeen: later);   // the node kept sending heartbeats meanwhile
        Assert.True(f.Live.Get("h1/chat").TryBeginAttempt(later, out var trial));
        Assert.True(trial);
        Assert.Contains("\"reason\":\"trial_in_flight\"", Live(f, "h1/chat", later), StringComparison.Ordinal);
        Assert.Contains("\"circuit\":\"half_open\"", Live(f, "h1/chat", later), StringComparison.Ordinal);
    }
}
