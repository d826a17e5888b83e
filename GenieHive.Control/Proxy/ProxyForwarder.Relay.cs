using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace GenieHive.Control.Proxy;

internal sealed partial class ProxyForwarder
{
    private static readonly byte[] DoneEvent = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>
    /// Non-streaming 2xx: read whole (up to <c>limits.max_upstream_body_bytes</c>, idle timer reset per read), then
    /// written at once, so a failure while reading is still a failure before the first byte. Chat loses its
    /// reasoning members and must be JSON; embeddings and transcription pass unchanged with their Content-Type.
    /// </summary>
    private async Task<AttemptResult> RelayJsonAsync(Attempt attempt, ProxyRequest request, HttpResponseMessage response, int status)
    {
        var max = config.Limits.MaxUpstreamBodyBytes;
        var declared = response.Content.Headers.ContentLength;
        if (declared > max)
        {
            return new AttemptResult(AttemptOutcome.InvalidResponse, $"response body exceeds {max} bytes");
        }

        using var body = new PooledBuffer(declared is > 0 and <= 1 << 20 ? (int)declared.Value : 16 * 1024);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(attempt.Timer.Token);
            while (true)
            {
                attempt.ResetIdle();
                var read = await stream.ReadAsync(body.GetMemory(16 * 1024), attempt.Timer.Token);
                if (read == 0)
                {
                    break;
                }

                body.Advance(read);
                if (body.Count > max)
                {
                    return new AttemptResult(AttemptOutcome.InvalidResponse, $"response body exceeds {max} bytes");
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return attempt.Failure(ex, "response body bytes");
        }

        await InlineIo.LeaveSocketThreadForAsync(body.Count);
        var contentType = response.Content.Headers.ContentType?.ToString();
        var output = body.WrittenMemory;
        PooledBuffer? rewritten = null;
        try
        {
            var isChat = request.Operation == Operations.Chat;
            if (isChat)
            {
                try
                {
                    if (ReasoningStripper.MayContainReasoning(output.Span))
                    {
                        rewritten = new PooledBuffer(body.Count);
                        if (ReasoningStripper.Strip(output.Span, rewritten))
                        {
                            output = rewritten.WrittenMemory;
                            contentType = JsonContentType;
                        }
                    }
                    else
                    {
                        ReasoningStripper.Validate(output.Span);
                    }
                }
                catch (JsonException)
                {
                    return new AttemptResult(AttemptOutcome.InvalidResponse, "the 2xx body is not JSON");
                }

                contentType ??= JsonContentType;
            }

            if (request.Operation != Operations.Transcription && output.Span.IndexOf("\"usage\""u8) >= 0
                && TokenUsage.TryReadWhole(output.Span, out var usage))
            {
                RecordUsage(request.Operation, attempt.Service, usage);
            }

            var httpResponse = attempt.Context.Response;
            httpResponse.StatusCode = isChat ? 200 : status;
            if (contentType is not null)
            {
                httpResponse.ContentType = contentType;
            }

            httpResponse.ContentLength = output.Length;
            RecordFirstByte(request.Operation, attempt);
            try
            {
                await httpResponse.Body.WriteAsync(output, attempt.Context.RequestAborted);
            }
            catch (Exception ex) when ((ex is OperationCanceledException or IOException) && attempt.Context.RequestAborted.IsCancellationRequested)
            {
                return new AttemptResult(AttemptOutcome.ClientAborted, "client disconnected");
            }

            return new AttemptResult(AttemptOutcome.Completed, "ok") { Status = status };
        }
        finally
        {
            rewritten?.Dispose();
        }
    }

    /// <summary>
    /// SSE pass-through (api.md §2.2 streaming): nothing is sent until the first whole event arrived (until then
    /// every failure is an ordinary failover-able failure); then 200 with buffering disabled, each event written
    /// as it completes and the events of one upstream read flushed together, the idle timer reset on every read. A failure after that ends the stream with
    /// one error event and <c>[DONE]</c> (D7); a clean end without <c>[DONE]</c> gets one.
    /// </summary>
    private async Task<AttemptResult> RelayStreamAsync(Attempt attempt, HttpResponseMessage response, bool hideUsageChunks)
    {
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            return new AttemptResult(AttemptOutcome.InvalidResponse, "the 2xx response is not an event stream");
        }

        var maxEvent = config.Limits.MaxSseEventBytes;
        var context = attempt.Context;
        var aborted = context.RequestAborted;
        using var framer = new SseFramer();
        using var transformer = new SseEventTransformer(hideUsageChunks);
        using var rewritten = new PooledBuffer(1024);

        Stream upstream;
        ReadOnlyMemory<byte> sseEvent;
        try
        {
            upstream = await response.Content.ReadAsStreamAsync(attempt.Timer.Token);
            while (!framer.TryReadEvent(out sseEvent))
            {
                if (framer.PendingBytes > maxEvent)
                {
                    return new AttemptResult(AttemptOutcome.InvalidResponse, $"an SSE event exceeds {maxEvent} bytes");
                }

                var remaining = attempt.FirstEvent - time.GetElapsedTime(attempt.Started);
                if (remaining <= TimeSpan.Zero)
                {
                    return new AttemptResult(AttemptOutcome.TimedOut, "no SSE event within the first-event limit");
                }

                attempt.Timer.CancelAfter(Min(attempt.Idle, remaining));
                var read = await upstream.ReadAsync(framer.GetReadMemory(), attempt.Timer.Token);
                if (read == 0)
                {
                    return new AttemptResult(AttemptOutcome.InvalidResponse, "the stream closed before its first event");
                }

                framer.Advance(read);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return attempt.Failure(ex, "SSE event");
        }

        // The first byte: from here on there is no failover (D7).
        var httpResponse = context.Response;
        httpResponse.StatusCode = 200;
        httpResponse.ContentType = "text/event-stream; charset=utf-8";
        httpResponse.Headers.CacheControl = "no-cache";
        httpResponse.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        RecordFirstByte(Operations.Chat, attempt);
        var writer = httpResponse.BodyWriter;
        var failure = (ApiError?)null;
        try
        {
            var haveEvent = true;
            var unflushed = false;
            while (true)
            {
                while (haveEvent)
                {
                    if (sseEvent.Length > maxEvent)
                    {
                        failure = MidStream(attempt, $"an SSE event exceeds {maxEvent} bytes", ErrorCodes.UpstreamError);
                        break;
                    }

                    var action = transformer.Transform(sseEvent.Span, rewritten);
                    if (action != SseEventAction.Dropped)
                    {
                        writer.Write(action == SseEventAction.Rewritten ? rewritten.WrittenSpan : sseEvent.Span);
                        unflushed = true;
                    }

                    if (action == SseEventAction.Done)
                    {
                        var last = await writer.FlushAsync(aborted);
                        return last.IsCompleted || last.IsCanceled ? ClientGone(transformer, attempt) : Finished(transformer, attempt);
                    }

                    haveEvent = framer.TryReadEvent(out sseEvent);
                }

                if (failure is not null)
                {
                    break;
                }

                // Every event that arrived in one read leaves in one write: flushed once the read is used up, before
                // waiting for more, so nothing waits here for bytes that have not come.
                if (unflushed)
                {
                    unflushed = false;
                    var flushed = await writer.FlushAsync(aborted);
                    if (flushed.IsCompleted || flushed.IsCanceled)
                    {
                        return ClientGone(transformer, attempt);
                    }
                }

                if (framer.PendingBytes > maxEvent)
                {
                    failure = MidStream(attempt, $"an SSE event exceeds {maxEvent} bytes", ErrorCodes.UpstreamError);
                    break;
                }

                int read;
                try
                {
                    attempt.ResetIdle();
                    read = await upstream.ReadAsync(framer.GetReadMemory(), attempt.Timer.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    if (aborted.IsCancellationRequested)
                    {
                        return ClientGone(transformer, attempt);
                    }

                    failure = attempt.Timer.IsCancellationRequested
                        ? MidStream(attempt, $"no data for {attempt.Idle.TotalSeconds:0.###} s", ErrorCodes.UpstreamTimeout)
                        : MidStream(attempt, "connection reset", ErrorCodes.UpstreamError);
                    break;
                }

                if (read == 0)
                {
                    if (!framer.PendingIsBlank)
                    {
                        failure = MidStream(attempt, "incomplete last event", ErrorCodes.UpstreamError);
                        break;
                    }

                    // A clean end without [DONE]: the client still gets exactly one.
                    writer.Write(DoneEvent);
                    await writer.FlushAsync(aborted);
                    return Finished(transformer, attempt);
                }

                framer.Advance(read);
                haveEvent = framer.TryReadEvent(out sseEvent);
            }

            var envelope = ErrorWriter.ToUtf8(failure!);
            writer.Write("data: "u8);
            writer.Write(envelope);
            writer.Write("\n\n"u8);
            writer.Write(DoneEvent);
            await writer.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return ClientGone(transformer, attempt);
        }

        CaptureStreamUsage(transformer, attempt);
        return new AttemptResult(AttemptOutcome.FailedAfterFirstByte, failure!.Message) { Status = 200 };
    }

    private static ApiError MidStream(Attempt attempt, string what, string code) =>
        new(code == ErrorCodes.UpstreamTimeout ? 504 : 502,
            code == ErrorCodes.UpstreamTimeout
                ? $"Upstream '{attempt.Service.ServiceId}' timed out mid-stream: {what}."
                : $"Upstream '{attempt.Service.ServiceId}' failed mid-stream: {what}.",
            code);

    private AttemptResult Finished(SseEventTransformer transformer, Attempt attempt)
    {
        CaptureStreamUsage(transformer, attempt);
        return new AttemptResult(AttemptOutcome.Completed, "ok") { Status = 200 };
    }

    private AttemptResult ClientGone(SseEventTransformer transformer, Attempt attempt)
    {
        CaptureStreamUsage(transformer, attempt);
        return new AttemptResult(AttemptOutcome.ClientAborted, "client disconnected") { Status = 200 };
    }

    private void CaptureStreamUsage(SseEventTransformer transformer, Attempt attempt)
    {
        if (transformer.LastUsage is { } usage)
        {
            RecordUsage(Operations.Chat, attempt.Service, usage);
        }
    }

    private void RecordUsage(string operation, ServiceRecord service, TokenUsage usage)
    {
        var activity = Activity.Current;
        if (activity is not null && activity.Source == telemetry.ActivitySource)
        {
            activity.SetTag("geniehive.usage.prompt_tokens", usage.PromptTokens);
            activity.SetTag("geniehive.usage.completion_tokens", usage.CompletionTokens);
            activity.SetTag("geniehive.usage.total_tokens", usage.TotalTokens);
        }

        if (usage.PromptTokens is > 0)
        {
            telemetry.Tokens.Add(usage.PromptTokens.Value, new TagList
            {
                { "operation", operation }, { "service_id", service.ServiceId }, { "kind", "prompt" },
            });
        }

        if (usage.CompletionTokens is > 0)
        {
            telemetry.Tokens.Add(usage.CompletionTokens.Value, new TagList
            {
                { "operation", operation }, { "service_id", service.ServiceId }, { "kind", "completion" },
            });
        }
    }

    private void RecordFirstByte(string operation, Attempt attempt) =>
        telemetry.TimeToFirstByte.Record(time.GetElapsedTime(attempt.Started).TotalSeconds, new TagList
        {
            { "operation", operation }, { "service_id", attempt.Service.ServiceId },
        });
}
