using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GenieHive.Tests.Support;
using static GenieHive.Tests.Control.Proxy.ProxyTestKit;

namespace GenieHive.Tests.Control.Proxy;

public sealed class ChatCompletionsProxyTests
{
    private const string ServiceId = "gpu-1/chat/qwen";

    private static async Task<(FakeUpstream Upstream, ProxyControlPlane Control, HttpClient Client)> StartAsync(
        Func<HttpContext, Task> handler, string runtime = "{}")
    {
        var upstream = await FakeUpstream.StartAsync(handler);
        var control = await ProxyControlPlane.StartAsync();
        control.Publish([TestCluster.Service(ServiceId, "gpu-1", upstream.Endpoint, assets: ["qwen-asset"], runtime: runtime)]);
        return (upstream, control, control.CreateClient());
    }

    [Fact]
    public async Task Json_answer_loses_reasoning_at_any_depth_and_carries_the_route_headers()
    {
        const string answer = """{"id":"c1","choices":[{"message":{"role":"assistant","content":"hi","reasoning_content":"secret"},"extra":[{"reasoning":"x","keep":1}]}],"usage":{"completion_tokens_details":{"reasoning_tokens":9}}}""";
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, answer));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","messages":[{"role":"user","content":"hello"}]}""",
            configure: r =>
            {
                r.Headers.Add("X-Request-Id", "req-chat-1");
                r.Headers.Add("Authorization", "Bearer caller-secret");
                r.Headers.Add("X-Api-Key", "caller-key");
                r.Headers.Add("Cookie", "session=1");
                r.Headers.Add("X-GenieHive-Debug", "1");
            });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"id":"c1","choices":[{"message":{"role":"assistant","content":"hi"},"extra":[{"keep":1}]}],"usage":{"completion_tokens_details":{"reasoning_tokens":9}}}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal("req-chat-1", Header(response, "X-Request-Id"));
        Assert.Equal(ServiceId, Header(response, "X-GenieHive-Service-Id"));
        Assert.Equal("gpu-1", Header(response, "X-GenieHive-Host-Id"));
        Assert.Equal("direct", Header(response, "X-GenieHive-Route"));

        var sent = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", sent.Path);
        Assert.Equal("req-chat-1", sent.Headers["X-Request-Id"]);
        Assert.StartsWith("application/json", sent.ContentType, StringComparison.Ordinal);
        foreach (var banned in new[] { "Authorization", "X-Api-Key", "Cookie", "X-GenieHive-Debug" })
        {
            Assert.False(sent.Headers.ContainsKey(banned), banned + " was forwarded");
        }

        using var body = JsonDocument.Parse(sent.Body);
        Assert.Equal("qwen-asset", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("hello", body.RootElement.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Json_answer_without_reasoning_is_relayed_byte_for_byte()
    {
        const string answer = "{ \"id\" : \"c1\",\n  \"choices\": [ ], \"model\":\"upstream-name\" }";
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, answer));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","messages":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Non_json_2xx_is_502_upstream_error_with_the_route_headers()
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, "<html>oops</html>", "text/html"));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","messages":[]}""");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("upstream_error", error.GetProperty("code").GetString());
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Equal(ServiceId, Header(response, "X-GenieHive-Service-Id"));
    }

    [Fact]
    public async Task Stream_events_reach_the_client_while_the_upstream_is_still_blocked()
    {
        var gate = FakeUpstream.NewSignal();
        var upstreamFinished = FakeUpstream.NewSignal();
        var (upstream, control, client) = await StartAsync(async c =>
        {
            FakeUpstream.StartSse(c);
            await FakeUpstream.WriteEvent(c, FakeUpstream.Chunk("Hel"));
            await gate.Task;
            await FakeUpstream.WriteEvent(c, FakeUpstream.Chunk("lo"));
            await FakeUpstream.WriteEvent(c, FakeUpstream.UsageChunk);
            await FakeUpstream.WriteEvent(c, FakeUpstream.Done);
            upstreamFinished.SetResult();
        });
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", MediaType(response).ToString());
        Assert.Equal("no-cache", Header(response, "Cache-Control"));
        Assert.Equal("no", Header(response, "X-Accel-Buffering"));
        Assert.Equal(ServiceId, Header(response, "X-GenieHive-Service-Id"));

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await ReadEventAsync(reader);
        Assert.Contains("\"Hel\"", first, StringComparison.Ordinal);
        Assert.False(upstreamFinished.Task.IsCompleted, "the upstream must still be blocked when the first event arrives");

        gate.SetResult();
        var rest = await ReadAllEventsAsync(reader);
        Assert.Equal(2, rest.Count);
        Assert.Contains("\"lo\"", rest[0], StringComparison.Ordinal);
        Assert.Equal("data: [DONE]\n", rest[1]);

        // The caller did not ask for usage: it was requested upstream (D7) and its chunk hidden.
        using var sent = JsonDocument.Parse(Assert.Single(upstream.Requests).Body);
        Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("text/event-stream", Assert.Single(upstream.Requests).Headers["Accept"]);
    }

    [Fact]
    public async Task Caller_that_asked_for_usage_sees_the_usage_chunk_and_keeps_its_stream_options()
    {
        var (upstream, control, client) = await StartAsync(c =>
            FakeUpstream.Sse(c, FakeUpstream.Chunk("a"), FakeUpstream.UsageChunk, FakeUpstream.Done));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client,
            """{"model":"qwen-asset","stream":true,"stream_options":{"include_usage":true,"other":1},"messages":[]}""", stream: true);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = await ReadAllEventsAsync(reader);

        Assert.Equal(3, events.Count);
        Assert.Contains("\"total_tokens\":12", events[1], StringComparison.Ordinal);
        Assert.Equal("data: [DONE]\n", events[2]);
        using var sent = JsonDocument.Parse(Assert.Single(upstream.Requests).Body);
        Assert.Equal(1, sent.RootElement.GetProperty("stream_options").GetProperty("other").GetInt32());
    }

    [Fact]
    public async Task Reasoning_is_stripped_per_event_and_other_fields_are_kept()
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Sse(c,
            "id: 7\ndata: {\"choices\":[{\"delta\":{\"reasoning_content\":\"think\",\"content\":\"x\"}}]}\r\n\r\n",
            ": comment\n\n",
            FakeUpstream.Done));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("id: 7\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n: comment\n\ndata: [DONE]\n\n", text);
    }

    [Fact]
    public async Task Failure_after_the_first_byte_ends_the_stream_with_one_error_event_then_done()
    {
        var relayed = FakeUpstream.NewSignal();
        var (upstream, control, client) = await StartAsync(async c =>
        {
            FakeUpstream.StartSse(c);
            await FakeUpstream.WriteEvent(c, FakeUpstream.Chunk("partial"));
            await relayed.Task;
            await FakeUpstream.Reset(c);
        });
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = await ReadEventAsync(reader);
        relayed.SetResult();
        var rest = await ReadAllEventsAsync(reader);

        Assert.Contains("\"partial\"", first, StringComparison.Ordinal);
        Assert.Equal(2, rest.Count);
        using var error = JsonDocument.Parse(rest[0]["data: ".Length..]);
        Assert.Equal("upstream_error", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("upstream_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("failed mid-stream", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("data: [DONE]\n", rest[1]);
        await Eventually(() => control.LiveStates.Get(ServiceId).ConsecutiveFailures == 1);
    }

    [Fact]
    public async Task Clean_end_without_done_gets_exactly_one_and_a_duplicate_done_is_never_relayed()
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Sse(c, FakeUpstream.Chunk("a")));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        Assert.EndsWith("\n\ndata: [DONE]\n\n", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        upstream.Handler = c => FakeUpstream.Sse(c, FakeUpstream.Chunk("b"), FakeUpstream.Done, FakeUpstream.Done);
        using var twice = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        var text = await twice.Content.ReadAsStringAsync();
        Assert.Single(text.Split("[DONE]")[1..]);
    }

    [Fact]
    public async Task Idle_upstream_mid_stream_ends_with_an_upstream_timeout_event()
    {
        var never = FakeUpstream.NewSignal();
        var (upstream, control, client) = await StartAsync(async c =>
        {
            FakeUpstream.StartSse(c);
            await FakeUpstream.WriteEvent(c, FakeUpstream.Chunk("a"));
            await never.Task.WaitAsync(c.RequestAborted);
        });
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await ReadEventAsync(reader));

        var rest = ReadAllEventsAsync(reader);
        // The proxy re-arms its idle timer after relaying the event; advance until it has fired.
        while (!rest.IsCompleted)
        {
            control.Time!.Advance(TimeSpan.FromSeconds(601));
            await Task.WhenAny(rest, Task.Delay(20));
        }

        var events = await rest;
        Assert.Equal(2, events.Count);
        Assert.Contains("\"code\":\"upstream_timeout\"", events[0], StringComparison.Ordinal);
        Assert.Equal("data: [DONE]\n", events[1]);
    }

    [Fact]
    public async Task Client_abort_cancels_the_upstream_request_and_is_not_a_failure()
    {
        var upstreamSawAbort = FakeUpstream.NewSignal();
        var (upstream, control, client) = await StartAsync(async c =>
        {
            c.RequestAborted.Register(() => upstreamSawAbort.TrySetResult());
            FakeUpstream.StartSse(c);
            await FakeUpstream.WriteEvent(c, FakeUpstream.Chunk("a"));
            await Task.Delay(Timeout.Infinite, c.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        await using var _ = upstream;
        await using var __ = control;

        var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await ReadEventAsync(reader));
        reader.Dispose();
        response.Dispose();
        client.Dispose();

        await upstreamSawAbort.Task.WaitAsync(Patience);
        var state = control.LiveStates.Get(ServiceId);
        await Eventually(() => state.InFlight == 0);
        Assert.Equal(0, state.ConsecutiveFailures);
    }

    [Fact]
    public async Task Service_refusing_stream_usage_is_retried_once_without_it_and_remembered()
    {
        var (upstream, control, client) = await StartAsync(_ => Task.CompletedTask);
        await using var _ = upstream;
        await using var __ = control;
        upstream.Handler = c =>
        {
            var body = upstream.Requests.Last().Body;
            return body.Contains("include_usage", StringComparison.Ordinal)
                ? FakeUpstream.Error(c, 400, "unknown field stream_options")
                : FakeUpstream.Sse(c, FakeUpstream.Chunk("ok"), FakeUpstream.Done);
        };

        using var first = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("\"ok\"", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, upstream.Requests.Count);
        Assert.True(control.LiveStates.Get(ServiceId).RefusesStreamUsage);
        Assert.Equal(0, control.LiveStates.Get(ServiceId).ConsecutiveFailures);

        using var second = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        await second.Content.ReadAsStringAsync();
        Assert.Equal(3, upstream.Requests.Count);
        Assert.DoesNotContain("include_usage", upstream.Requests.Last().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runtime_stream_usage_false_disables_the_injection()
    {
        var (upstream, control, client) = await StartAsync(
            c => FakeUpstream.Sse(c, FakeUpstream.Chunk("a"), FakeUpstream.Done), runtime: """{"stream_usage":false}""");
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","stream":true,"messages":[]}""", stream: true);
        await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("stream_options", Assert.Single(upstream.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_proxy_activity_carries_the_route_and_its_trace_reaches_the_upstream()
    {
        var activities = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "GenieHive.Control",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","messages":[{"role":"user","content":"secret prompt"}]}""",
            configure: r => r.Headers.Add("X-Request-Id", "trace-test-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var activity = Assert.Single(activities, a => (string?)a.GetTagItem("geniehive.request_id") == "trace-test-1");
        Assert.Equal(ServiceId, activity.GetTagItem("geniehive.service_id"));
        Assert.Equal("gpu-1", activity.GetTagItem("geniehive.host_id"));
        Assert.Equal("direct", activity.GetTagItem("geniehive.route"));
        Assert.Equal(1, activity.GetTagItem("geniehive.attempts"));
        Assert.DoesNotContain(activity.TagObjects, t => t.Value?.ToString()?.Contains("secret prompt", StringComparison.Ordinal) == true);
        var traceparent = Assert.Single(upstream.Requests).Headers["traceparent"];
        Assert.Equal(activity.TraceId.ToHexString(), traceparent.Split('-')[1]);
    }

    [Fact]
    public async Task The_callers_trace_context_reaches_the_upstream_without_any_telemetry_listener()
    {
        // No OTLP endpoint, so no OpenTelemetry SDK: ASP.NET Core's request activity and the handler's propagator
        // alone carry the caller's trace id upstream.
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var __ = control;
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        using var response = await PostChatAsync(client, """{"model":"qwen-asset","messages":[]}""",
            configure: r => r.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var traceparent = Assert.Single(upstream.Requests).Headers["traceparent"];
        Assert.Equal(TraceId, traceparent.Split('-')[1]);
    }

    [Theory]
    [InlineData("not json", "invalid_json", null)]
    [InlineData("[1,2]", "invalid_json", null)]
    [InlineData("{\"messages\":[]}", "invalid_request", "model")]
    [InlineData("{\"model\":\"\"}", "invalid_request", "model")]
    [InlineData("{\"model\":5}", "invalid_request", "model")]
    [InlineData("{\"model\":\"qwen-asset\",\"stream\":\"yes\"}", "invalid_request", "stream")]
    [InlineData("{\"model\":\"nope\"}", "model_not_found", "model")]
    public async Task Bad_requests_fail_before_any_attempt_with_only_the_request_id(string body, string code, string? param)
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, body);

        Assert.True((int)response.StatusCode is 400 or 404);
        var error = await ErrorOf(response);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        Assert.True(HasHeader(response, "X-Request-Id"));
        Assert.False(HasHeader(response, "X-GenieHive-Service-Id"));
        Assert.False(HasHeader(response, "X-GenieHive-Route"));
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Too_deep_json_is_invalid_json()
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var __ = control;

        using var response = await PostChatAsync(client, "{\"model\":\"qwen-asset\",\"x\":" + new string('[', 70) + new string(']', 70) + "}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Multipart_on_the_json_route_is_415()
    {
        var (upstream, control, client) = await StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var __ = control;

        using var form = new MultipartFormDataContent { { new StringContent("qwen-asset"), "model" } };
        using var response = await client.PostAsync("/v1/chat/completions", form);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Json_body_over_the_limit_is_413_declared_or_chunked()
    {
        var upstream = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, FakeUpstream.ChatJson));
        await using var _ = upstream;
        await using var control = await ProxyControlPlane.StartAsync(limits: "max_json_body_bytes: 1024");
        control.Publish([TestCluster.Service(ServiceId, "gpu-1", upstream.Endpoint, assets: ["qwen-asset"])]);
        using var client = control.CreateClient();
        var big = "{\"model\":\"qwen-asset\",\"pad\":\"" + new string('x', 4096) + "\"}";

        using var declared = await PostChatAsync(client, big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("payload_too_large", (await ErrorOf(declared)).GetProperty("code").GetString());

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        using var counted = await client.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, counted.StatusCode);
        Assert.Empty(upstream.Requests);
    }
}
