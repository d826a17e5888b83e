using System.Diagnostics;
using System.Globalization;
using System.Net;
using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.Control.Telemetry;
using GenieHive.ServiceDefaults.Errors;
using GenieHive.ServiceDefaults.RequestIds;
using Microsoft.Extensions.Logging;

namespace GenieHive.Control.Proxy;

/// <summary>
/// Sends one resolved request upstream with failover (routing.md "Failover, live load and passive health"):
/// along the attempt order, at most <see cref="MaxAttempts"/> distinct services, only before the first byte
/// reaches the client; each attempt counts in-flight load and feeds passive health; the last outcome becomes the
/// client's error (api.md §2.5). JSON bodies are read whole then written; streams are relayed event by event.
/// Singleton; all per-request state lives on the stack of <see cref="ForwardAsync"/>.
/// </summary>
internal sealed partial class ProxyForwarder(
    UpstreamClient client,
    LiveStateStore liveStates,
    ControlTelemetry telemetry,
    TimeProvider time,
    ControlConfig config,
    ILogger<ProxyForwarder> logger)
{
    public const int MaxAttempts = 3;
    public const string ServiceIdHeader = "X-GenieHive-Service-Id";
    public const string HostIdHeader = "X-GenieHive-Host-Id";
    public const string RouteHeader = "X-GenieHive-Route";
    private const string JsonContentType = "application/json; charset=utf-8";
    private const int ErrorBodyLimit = 64 * 1024;

    public ControlConfig Config => config;

    public async Task ForwardAsync(HttpContext context, ProxyRequest request)
    {
        var route = request.Route;
        var requestId = RequestIdMiddleware.Get(context);
        var routeKind = route.Role is null ? "direct" : "role";
        using var activity = telemetry.StartProxyActivity(ActivityName(request.Operation), context.Request.Headers);
        var recorded = activity.IsAllDataRequested;
        if (recorded)
        {
            activity.SetTag("geniehive.request_id", requestId);
            activity.SetTag("geniehive.operation", request.Operation);
            activity.SetTag("geniehive.requested_model", request.RequestedModel);
            activity.SetTag("geniehive.route_kind", routeKind);
            activity.SetTag("geniehive.stream", request.Stream);
        }

        AttemptResult? last = null;
        ServiceRecord? lastService = null;
        var attempts = 0;
        var order = route.AttemptOrder;
        for (var i = 0; i < order.Length && attempts < MaxAttempts; i++)
        {
            var service = order[i];
            if (AppearsEarlier(order, i))
            {
                continue;
            }

            var state = liveStates.Get(service.ServiceId);
            if (!state.TryBeginAttempt(Now(), out _))
            {
                logger.CandidateSkipped(service.ServiceId, requestId);
                continue;
            }

            attempts++;
            lastService = service;
            StampRoute(context, route, i, service);
            var injectUsage = request.Stream && !request.CallerAskedUsage && RequestPolicyApplier.StreamUsageAllowed(service, state);
            var result = await AttemptAsync(context, request, service, state, requestId, injectUsage);
            if (result.Outcome == AttemptOutcome.UsageRefused)
            {
                // routing.md step 7: re-send once to the same service without the injection; not one of the 3.
                logger.StreamUsageRefused(service.ServiceId, result.Status);
                state.RefusesStreamUsage = true;
                result = await AttemptAsync(context, request, service, state, requestId, injectStreamUsage: false);
            }

            Record(state, result);
            last = result;
            if (!result.CanFailOver)
            {
                if (result.Outcome is AttemptOutcome.FailedAfterFirstByte)
                {
                    logger.FailedMidStream(service.ServiceId, requestId, result.Detail);
                }

                break;
            }

            if (attempts < MaxAttempts && HasLaterCandidate(order, i))
            {
                logger.FailingOver(service.ServiceId, attempts, requestId, result.OutcomeTag, result.Detail);
            }
            else
            {
                logger.AttemptFailed(service.ServiceId, requestId, result.OutcomeTag, result.Detail);
            }
        }

        if (recorded)
        {
            activity.SetTag("geniehive.attempts", attempts);
            if (lastService is not null)
            {
                activity.SetTag("geniehive.service_id", lastService.ServiceId);
                activity.SetTag("geniehive.host_id", lastService.HostId);
                activity.SetTag("geniehive.route", context.Response.Headers[RouteHeader].ToString());
            }

            if (last is not null)
            {
                activity.SetTag("geniehive.outcome", last.OutcomeTag);
            }
        }

        ApiError? error = null;
        if (last is null)
        {
            error = NoTarget(request, out var retryAfter);
            if (retryAfter is not null)
            {
                context.Response.Headers.RetryAfter = retryAfter.Value.ToString(CultureInfo.InvariantCulture);
            }
        }
        else if (last.Outcome is not (AttemptOutcome.Completed or AttemptOutcome.ClientAborted or AttemptOutcome.FailedAfterFirstByte))
        {
            error = FinalError(last, lastService!);
            if (error.Status == 429 && last.RetryAfterHeader is not null)
            {
                context.Response.Headers.RetryAfter = last.RetryAfterHeader;
            }
        }

        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.Code);
            telemetry.ProxyErrors.Add(1, new TagList
            {
                { "operation", request.Operation },
                { "route_kind", routeKind },
                { "code", error.Code },
            });
            await ErrorWriter.WriteAsync(context, error);
        }
        else if (last?.Outcome == AttemptOutcome.FailedAfterFirstByte)
        {
            activity.SetStatus(ActivityStatusCode.Error, last.OutcomeTag);
        }

        if (recorded)
        {
            activity.SetTag("http.response.status_code", context.Response.StatusCode);
        }

        telemetry.ProxyRequests.Add(1, new TagList
        {
            { "operation", request.Operation },
            { "route_kind", routeKind },
            { "service_id", lastService?.ServiceId },
            { "status", context.Response.StatusCode },
        });
    }

    private async Task<AttemptResult> AttemptAsync(
        HttpContext context, ProxyRequest request, ServiceRecord service, ServiceLiveState state, string requestId, bool injectStreamUsage)
    {
        state.EnterAttempt();
        var serviceTag = new KeyValuePair<string, object?>("service_id", service.ServiceId);
        telemetry.InFlight.Add(1, serviceTag);
        var started = time.GetTimestamp();
        AttemptResult? result = null;
        try
        {
            result = await SendAsync(context, request, service, requestId, injectStreamUsage, started);
            return result;
        }
        finally
        {
            state.ExitAttempt();
            telemetry.InFlight.Add(-1, serviceTag);
            var tags = new TagList
            {
                { "operation", request.Operation },
                { "service_id", service.ServiceId },
                { "outcome", result?.OutcomeTag ?? "exception" },
            };
            telemetry.UpstreamAttempts.Add(1, tags);
            telemetry.UpstreamDuration.Record(time.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task<AttemptResult> SendAsync(
        HttpContext context, ProxyRequest request, ServiceRecord service, string requestId, bool injectStreamUsage, long started)
    {
        var idle = Seconds(config.Routing.UpstreamIdleTimeoutSeconds);
        var firstEvent = Seconds(ServiceRuntime.FirstByteTimeoutSeconds(service) ?? config.Routing.StreamFirstByteTimeoutSeconds);
        using var timer = new CancellationTokenSource(request.Stream ? Min(idle, firstEvent) : idle, time);
        // The client's disconnect cancels the upstream request (a closed client frees the GPU).
        using var abortLink = context.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timer);
        var attempt = new Attempt(context, service, timer, idle, firstEvent, started);

        using var message = new HttpRequestMessage(HttpMethod.Post, service.Endpoint + request.UpstreamPath)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = request.Body.CreateContent(service, injectStreamUsage),
        };
        message.Headers.TryAddWithoutValidation(RequestIdMiddleware.HeaderName, requestId);
        message.Headers.TryAddWithoutValidation("Accept", request.Stream ? "text/event-stream" : "application/json");

        HttpResponseMessage response;
        try
        {
            response = await client.Invoker.SendAsync(message, timer.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return attempt.Failure(ex, "response headers");
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300)
            {
                if (injectStreamUsage && status is 400 or 422)
                {
                    return new AttemptResult(AttemptOutcome.UsageRefused, $"HTTP {status}") { Status = status };
                }

                return await ReadStatusAsync(attempt, response, status);
            }

            return request.Stream
                ? await RelayStreamAsync(attempt, response, hideUsageChunks: injectStreamUsage)
                : await RelayJsonAsync(attempt, request, response, status);
        }
    }

    private async Task<AttemptResult> ReadStatusAsync(Attempt attempt, HttpResponseMessage response, int status)
    {
        UpstreamErrorBody? error = null;
        using (var body = new PooledBuffer(4096))
        {
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(attempt.Timer.Token);
                while (body.Count < ErrorBodyLimit)
                {
                    attempt.ResetIdle();
                    var read = await stream.ReadAsync(body.GetMemory(4096), attempt.Timer.Token);
                    if (read == 0)
                    {
                        break;
                    }

                    body.Advance(read);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
            {
                if (attempt.Context.RequestAborted.IsCancellationRequested)
                {
                    return attempt.Failure(ex, "error body");
                }

                // The status is what counts; a body cut short only shortens the message.
            }

            if (body.Count > 0)
            {
                error = UpstreamErrorBody.Parse(body.WrittenSpan);
            }
        }

        string? retryAfterHeader = null;
        double? retryAfterSeconds = null;
        if (response.Headers.TryGetValues("Retry-After", out var values))
        {
            retryAfterHeader = values.FirstOrDefault();
            var parsed = response.Headers.RetryAfter;
            if (parsed?.Delta is { } delta)
            {
                retryAfterSeconds = delta.TotalSeconds;
            }
            else if (parsed?.Date is { } date)
            {
                retryAfterSeconds = Math.Max(0, (date - time.GetUtcNow()).TotalSeconds);
            }
        }

        return new AttemptResult(AttemptOutcome.UpstreamStatus, $"HTTP {status}")
        {
            Status = status,
            Error = error,
            RetryAfterHeader = retryAfterHeader,
            RetryAfterSeconds = retryAfterSeconds,
        };
    }

    private void Record(ServiceLiveState state, AttemptResult result)
    {
        var now = Now();
        switch (result.Outcome)
        {
            case AttemptOutcome.Completed:
                state.RecordSuccess();
                break;
            case AttemptOutcome.ClientAborted:
                state.RecordNeutral();
                break;
            case AttemptOutcome.UpstreamStatus when result.Status == 429:
                state.RecordNeutral();
                break;
            case AttemptOutcome.UpstreamStatus when !result.IsServiceFailure:
                state.RecordNonFailure();
                break;
            default:
                if (result.IsServiceFailure)
                {
                    state.RecordFailure(now);
                }
                else
                {
                    state.RecordNeutral();
                }

                break;
        }

        if (result.Status is 429 or 503 && result.RetryAfterSeconds is > 0)
        {
            state.HoldUntil(now, result.RetryAfterSeconds.Value);
        }
    }

    private static ApiError FinalError(AttemptResult last, ServiceRecord service)
    {
        var id = service.ServiceId;
        switch (last.Outcome)
        {
            case AttemptOutcome.TimedOut:
                return new ApiError(504, $"Upstream '{id}' timed out: {last.Detail}.", ErrorCodes.UpstreamTimeout);
            case AttemptOutcome.InvalidResponse:
                return new ApiError(502, $"Upstream '{id}' sent an invalid response: {last.Detail}.", ErrorCodes.UpstreamError);
            case AttemptOutcome.UpstreamStatus:
                var status = last.Status;
                var message = last.Error?.Message ?? $"Upstream '{id}' answered HTTP {status}.";
                if (status == 429)
                {
                    return new ApiError(429, message, ErrorCodes.RateLimited);
                }

                if (status is 401 or 403 or 407)
                {
                    return new ApiError(502, $"Upstream '{id}' rejected the control plane's credentials (HTTP {status}).", ErrorCodes.UpstreamError);
                }

                if (status >= 500)
                {
                    return new ApiError(status, message, ErrorCodes.UpstreamError);
                }

                var upstream = last.Error;
                var code = upstream is { IsOpenAiError: true, Code: { Length: > 0 } c } ? c : ErrorCodes.UpstreamError;
                var param = upstream is { IsOpenAiError: true } ? upstream.Param : null;
                return new ApiError(status, message, code, param, ErrorTypes.Upstream);
            default:
                return new ApiError(502, $"Upstream '{id}' could not be reached: {last.Detail}.", ErrorCodes.UpstreamError);
        }
    }

    private ApiError NoTarget(ProxyRequest request, out long? retryAfterSeconds)
    {
        // Every candidate was cooling down or had its half-open trial taken when its turn came.
        retryAfterSeconds = null;
        var now = Now();
        double? earliest = null;
        var allCooling = true;
        foreach (var service in request.Route.AttemptOrder)
        {
            var until = liveStates.Find(service.ServiceId)?.CooldownUntil(now);
            if (until is null)
            {
                allCooling = false;
                break;
            }

            earliest = earliest is null ? until : Math.Min(earliest.Value, until.Value);
        }

        if (allCooling && earliest is not null)
        {
            retryAfterSeconds = Math.Max(1, (long)Math.Ceiling(earliest.Value - now));
        }

        return new ApiError(503, $"No healthy {request.Operation} target available for '{request.RequestedModel}'.",
            ErrorCodes.NoHealthyTarget);
    }

    private static void StampRoute(HttpContext context, RouteResolution route, int index, ServiceRecord service)
    {
        var headers = context.Response.Headers;
        headers[ServiceIdHeader] = HeaderValues.Encode(service.ServiceId);
        headers[HostIdHeader] = HeaderValues.Encode(service.HostId);
        headers[RouteHeader] = HeaderValues.Encode(RouteResolver.RouteHeaderFor(route, index) ?? "direct");
    }

    private static bool AppearsEarlier(System.Collections.Immutable.ImmutableArray<ServiceRecord> order, int index)
    {
        for (var j = 0; j < index; j++)
        {
            if (string.Equals(order[j].ServiceId, order[index].ServiceId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasLaterCandidate(System.Collections.Immutable.ImmutableArray<ServiceRecord> order, int index)
    {
        for (var j = index + 1; j < order.Length; j++)
        {
            if (!AppearsEarlier(order, j))
            {
                return true;
            }
        }

        return false;
    }

    private static string ActivityName(string operation) => operation switch
    {
        Operations.Chat => "proxy chat.completions",
        Operations.Embeddings => "proxy embeddings",
        _ => "proxy audio.transcriptions",
    };

    private double Now() => UnixTime.Now(time);

    private static TimeSpan Seconds(double seconds) =>
        seconds <= 0 || seconds > 86_400 * 30 ? TimeSpan.FromDays(30) : TimeSpan.FromSeconds(seconds);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The clocks of one attempt: idle timer reset on every read, first-SSE-event deadline from its start.</summary>
    private sealed class Attempt(HttpContext context, ServiceRecord service, CancellationTokenSource timer, TimeSpan idle, TimeSpan firstEvent, long started)
    {
        public HttpContext Context { get; } = context;

        public ServiceRecord Service { get; } = service;

        public CancellationTokenSource Timer { get; } = timer;

        public TimeSpan Idle { get; } = idle;

        public TimeSpan FirstEvent { get; } = firstEvent;

        public long Started { get; } = started;

        public void ResetIdle() => Timer.CancelAfter(Idle);

        public AttemptResult Failure(Exception exception, string waitingFor)
        {
            if (Context.RequestAborted.IsCancellationRequested)
            {
                return new AttemptResult(AttemptOutcome.ClientAborted, "client disconnected");
            }

            if (Timer.IsCancellationRequested)
            {
                return new AttemptResult(AttemptOutcome.TimedOut, $"no {waitingFor} within the time limit");
            }

            return new AttemptResult(AttemptOutcome.ConnectFailed, Describe(exception));
        }

        public static string Describe(Exception exception) => exception switch
        {
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "connection refused or failed",
            HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "name resolution failed",
            HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "connection closed before the response",
            HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse } => "invalid HTTP response",
            OperationCanceledException => "connect timeout",
            _ => "connection reset",
        };
    }
}
