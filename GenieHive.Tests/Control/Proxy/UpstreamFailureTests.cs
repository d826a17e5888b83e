using System.Net;
using GenieHive.Control.Registry;
using GenieHive.Tests.Support;
using static GenieHive.Tests.Control.Proxy.ProxyTestKit;

namespace GenieHive.Tests.Control.Proxy;

/// <summary>api.md §2.5 and routing.md "Failover, live load and passive health", against fake upstreams.</summary>
public sealed class UpstreamFailureTests
{
    private const string Body = """{"model":"shared","messages":[{"role":"user","content":"hi"}]}""";

    /// <summary>Services a-, b-, c-… all serving asset <c>shared</c>: the direct order is by service id.</summary>
    private static ServiceRecord Svc(string name, string endpoint) =>
        TestCluster.Service($"{name}/chat", $"host-{name}", endpoint, assets: ["shared"]);

    private static string DeadEndpoint() => $"http://127.0.0.1:{FreePort.Next()}";

    [Fact]
    public async Task Dead_first_candidate_fails_over_with_no_client_visible_error()
    {
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", DeadEndpoint()), Svc("b", healthy.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/chat", Header(response, "X-GenieHive-Service-Id"));
        Assert.Equal("host-b", Header(response, "X-GenieHive-Host-Id"));
        Assert.Equal(1, control.LiveStates.Get("a/chat").ConsecutiveFailures);
        Assert.Equal(0, control.LiveStates.Get("b/chat").ConsecutiveFailures);
    }

    [Fact]
    public async Task Connect_failure_on_the_only_candidate_is_502_upstream_error_with_route_headers()
    {
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", DeadEndpoint())]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_error", error.GetProperty("code").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Equal("a/chat", Header(response, "X-GenieHive-Service-Id"));
        Assert.True(HasHeader(response, "X-Request-Id"));
    }

    [Fact]
    public async Task Reset_before_headers_fails_over()
    {
        await using var resetting = await FakeUpstream.StartAsync(FakeUpstream.Reset);
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", resetting.Endpoint), Svc("b", healthy.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/chat", Header(response, "X-GenieHive-Service-Id"));
        Assert.Single(resetting.Requests);
    }

    [Fact]
    public async Task Server_error_after_failover_is_relayed_with_its_status_and_message()
    {
        await using var broken = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 500, "kaboom"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", broken.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("kaboom", error.GetProperty("message").GetString());
        Assert.Equal("upstream_error", error.GetProperty("code").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Equal("a/chat", Header(response, "X-GenieHive-Service-Id"));
    }

    [Fact]
    public async Task Rate_limited_only_candidate_is_429_with_its_retry_after_and_held_out_of_routing()
    {
        await using var limited = await FakeUpstream.StartAsync(c =>
        {
            c.Response.Headers.RetryAfter = "7";
            return FakeUpstream.Error(c, 429, "slow down");
        });
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", limited.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(0, control.LiveStates.Get("a/chat").ConsecutiveFailures);

        // The hold keeps it out of routing until Retry-After passes: 503 with a Retry-After, no upstream call.
        using var held = await PostChatAsync(client, Body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, held.StatusCode);
        Assert.Equal("no_healthy_target", (await ErrorOf(held)).GetProperty("code").GetString());
        Assert.True(held.Headers.Contains("Retry-After"));
        Assert.Single(limited.Requests);

        control.Time!.Advance(TimeSpan.FromSeconds(8));
        control.Publish([Svc("a", limited.Endpoint)]);
        using var again = await PostChatAsync(client, Body);
        Assert.Equal((HttpStatusCode)429, again.StatusCode);
        Assert.Equal(2, limited.Requests.Count);
    }

    [Fact]
    public async Task Rate_limited_first_candidate_fails_over_to_the_next()
    {
        await using var limited = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 429, "slow down"));
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", limited.Endpoint), Svc("b", healthy.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/chat", Header(response, "X-GenieHive-Service-Id"));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(407)]
    public async Task Backend_credential_failures_become_502_never_the_callers_auth_error(int status)
    {
        await using var rejecting = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, status, "bad key"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", rejecting.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Equal(1, control.LiveStates.Get("a/chat").ConsecutiveFailures);
    }

    [Fact]
    public async Task Other_4xx_is_relayed_with_the_upstream_code_and_param_and_never_fails_over()
    {
        await using var picky = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 422, "messages too long", "context_length_exceeded", "messages"));
        await using var second = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", picky.Endpoint), Svc("b", second.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("messages too long", error.GetProperty("message").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Empty(second.Requests);
    }

    [Fact]
    public async Task Non_openai_4xx_body_becomes_the_message_capped_at_1000_characters()
    {
        var text = new string('e', 1500);
        await using var plain = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 404, text, "text/plain"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", plain.Endpoint)]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal(1000, error.GetProperty("message").GetString()!.Length);
        Assert.Equal("upstream_error", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task No_headers_within_the_idle_timeout_is_504_upstream_timeout()
    {
        var never = FakeUpstream.NewSignal();
        await using var silent = await FakeUpstream.StartAsync(c => never.Task.WaitAsync(c.RequestAborted));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", silent.Endpoint)]);
        using var client = control.CreateClient();

        var pending = PostChatAsync(client, Body);
        await silent.Received.Task.WaitAsync(Patience);
        control.Time!.Advance(TimeSpan.FromSeconds(601));
        using var response = await pending;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_timeout", error.GetProperty("code").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Stream_without_a_first_event_in_time_fails_over_to_the_next_candidate()
    {
        var never = FakeUpstream.NewSignal();
        await using var mute = await FakeUpstream.StartAsync(async c =>
        {
            FakeUpstream.StartSse(c);
            await c.Response.Body.FlushAsync();
            await never.Task.WaitAsync(c.RequestAborted);
        });
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Sse(c, FakeUpstream.Chunk("b"), FakeUpstream.Done));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", mute.Endpoint), Svc("b", healthy.Endpoint)]);
        using var client = control.CreateClient();

        var pending = PostChatAsync(client, """{"model":"shared","stream":true,"messages":[]}""", stream: true);
        await mute.Received.Task.WaitAsync(Patience);

        // Small steps, and none once the failover target has the request: a big step could also expire the second
        // attempt's first-event limit (it starts its own clock) before its first event has been read.
        while (!pending.IsCompleted && !healthy.Received.Task.IsCompleted)
        {
            control.Time!.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(pending, healthy.Received.Task, Task.Delay(10));
        }

        using var response = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/chat", Header(response, "X-GenieHive-Service-Id"));
        Assert.Contains("\"b\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, control.LiveStates.Get("a/chat").ConsecutiveFailures);
    }

    [Fact]
    public async Task At_most_three_distinct_services_are_attempted()
    {
        var upstreams = new List<FakeUpstream>();
        for (var i = 0; i < 4; i++)
        {
            upstreams.Add(await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 503, "busy")));
        }

        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish(upstreams.Select((u, i) => Svc(((char)('a' + i)).ToString(), u.Endpoint)));
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, Body);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("upstream_error", (await ErrorOf(response)).GetProperty("code").GetString());
        Assert.Equal("c/chat", Header(response, "X-GenieHive-Service-Id"));
        Assert.Equal([1, 1, 1, 0], upstreams.Select(u => u.Requests.Count));
        foreach (var u in upstreams)
        {
            await u.DisposeAsync();
        }
    }

    [Fact]
    public async Task Three_failures_cool_a_service_down_and_a_half_open_trial_brings_it_back()
    {
        var healthy = false;
        await using var flaky = await FakeUpstream.StartAsync(c =>
            healthy ? FakeUpstream.Json(c, 200, FakeUpstream.ChatJson) : FakeUpstream.Error(c, 500, "down"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", flaky.Endpoint)]);
        using var client = control.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var failed = await PostChatAsync(client, Body);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        using var cooling = await PostChatAsync(client, Body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cooling.StatusCode);
        Assert.Equal("no_healthy_target", (await ErrorOf(cooling)).GetProperty("code").GetString());
        Assert.Equal("30", cooling.Headers.GetValues("Retry-After").Single());
        Assert.False(cooling.Headers.Contains("X-GenieHive-Service-Id"));
        Assert.Equal(3, flaky.Requests.Count);

        control.Time!.Advance(TimeSpan.FromSeconds(30));
        control.Publish([Svc("a", flaky.Endpoint)]);
        healthy = true;
        using var trial = await PostChatAsync(client, Body);
        Assert.Equal(HttpStatusCode.OK, trial.StatusCode);
        var state = control.LiveStates.Get("a/chat");

        // The outcome is recorded once the response is written, so it may land just after the client has it.
        await Eventually(() => state.ConsecutiveFailures == 0);
        Assert.Equal(GenieHive.Control.Health.CircuitState.Closed, state.Circuit(TestCluster.Now(control.Time)));
    }

    [Fact]
    public async Task Failed_half_open_trial_reopens_the_circuit()
    {
        await using var down = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 502, "down"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", down.Endpoint)]);
        using var client = control.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            (await PostChatAsync(client, Body)).Dispose();
        }

        control.Time!.Advance(TimeSpan.FromSeconds(30));
        control.Publish([Svc("a", down.Endpoint)]);
        using var trial = await PostChatAsync(client, Body);
        Assert.Equal(HttpStatusCode.BadGateway, trial.StatusCode);
        Assert.Equal(4, down.Requests.Count);

        using var cooling = await PostChatAsync(client, Body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, cooling.StatusCode);
        Assert.Equal(4, down.Requests.Count);
    }

    [Fact]
    public async Task Role_routes_name_the_role_in_the_route_header()
    {
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([Svc("a", healthy.Endpoint)], [TestCluster.Role("helper")]);
        using var client = control.CreateClient();

        using var response = await PostChatAsync(client, """{"model":"helper","messages":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("role:helper", Header(response, "X-GenieHive-Route"));
        Assert.Contains("\"model\":\"shared\"", Assert.Single(healthy.Requests).Body, StringComparison.Ordinal);
    }
}
