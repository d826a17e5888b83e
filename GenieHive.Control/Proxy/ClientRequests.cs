using System.Globalization;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.Net.Http.Headers;

namespace GenieHive.Control.Proxy;

/// <summary>
/// The three proxied client routes up to the forwarder (api.md §2.2–2.4): body under its size limit, the fields
/// routing needs, one resolution (D3), then <see cref="ProxyForwarder"/>. Errors before any attempt carry only
/// <c>X-Request-Id</c>. <paramref name="resolve"/> parameters are <c>(operation, model)</c> and resolve in
/// <see cref="ResolveMode.Take"/>.
/// </summary>
internal static class ClientRequests
{
    public static async Task ChatCompletionsAsync(HttpContext context, ProxyForwarder forwarder, Func<string, string, RouteResolution> resolve)
    {
        if (IsMultipart(context))
        {
            await ErrorWriter.WriteAsync(context, ApiError.UnsupportedMediaType("Expected a JSON body, not multipart/form-data."));
            return;
        }

        var (buffer, readError) = await RequestBodyReader.ReadAsync(context, forwarder.Config.Limits.MaxJsonBodyBytes);
        if (readError is not null)
        {
            await ErrorWriter.WriteAsync(context, readError);
            return;
        }

        await InlineIo.LeaveSocketThreadForAsync(buffer!.Count);
        if (ClientJson.TryScanChat(buffer!.WrittenSpan, out var scan))
        {
            await PlainChatAsync(context, forwarder, resolve, buffer, scan);
            return;
        }

        System.Text.Json.Nodes.JsonObject? body;
        ApiError? error;
        using (buffer)
        {
            (body, error) = ClientJson.ParseObject(buffer.WrittenSpan);
        }

        if (error is not null)
        {
            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        var (model, stream, fieldError) = ClientJson.ReadModelAndStream(body!);
        if (fieldError is not null)
        {
            await ErrorWriter.WriteAsync(context, fieldError);
            return;
        }

        var route = resolve(Operations.Chat, model!);
        if (await WriteRouteErrorAsync(context, route, Operations.Chat, model!))
        {
            return;
        }

        using var upstreamBody = new ChatUpstreamBody(body!, model!, route);
        await forwarder.ForwardAsync(context, new ProxyRequest
        {
            Operation = Operations.Chat,
            UpstreamPath = "/v1/chat/completions",
            RequestedModel = model!,
            Route = route,
            Body = upstreamBody,
            Stream = stream,
            CallerAskedUsage = ClientJson.AsksForUsage(body!),
        });
    }

    /// <summary>A plain chat body (no stream_options, unescaped distinct names): forwarded from the caller's bytes.</summary>
    private static async Task PlainChatAsync(
        HttpContext context, ProxyForwarder forwarder, Func<string, string, RouteResolution> resolve, PooledBuffer buffer, ChatScan scan)
    {
        var route = resolve(Operations.Chat, scan.Model);
        using var upstreamBody = new ChatUpstreamBody(buffer, scan, route);
        if (await WriteRouteErrorAsync(context, route, Operations.Chat, scan.Model))
        {
            return;
        }

        await forwarder.ForwardAsync(context, new ProxyRequest
        {
            Operation = Operations.Chat,
            UpstreamPath = "/v1/chat/completions",
            RequestedModel = scan.Model,
            Route = route,
            Body = upstreamBody,
            Stream = scan.Stream,
            CallerAskedUsage = false,
        });
    }

    public static async Task EmbeddingsAsync(HttpContext context, ProxyForwarder forwarder, Func<string, string, RouteResolution> resolve)
    {
        if (IsMultipart(context))
        {
            await ErrorWriter.WriteAsync(context, ApiError.UnsupportedMediaType("Expected a JSON body, not multipart/form-data."));
            return;
        }

        var (buffer, readError) = await RequestBodyReader.ReadAsync(context, forwarder.Config.Limits.MaxJsonBodyBytes);
        if (readError is not null)
        {
            await ErrorWriter.WriteAsync(context, readError);
            return;
        }

        await InlineIo.LeaveSocketThreadForAsync(buffer!.Count);
        var (model, start, end, error) = ClientJson.LocateModel(buffer.WrittenSpan);
        if (error is not null)
        {
            buffer.Dispose();
            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        using var upstreamBody = new ModelRewrittenBody(buffer, start, end, model!);
        var route = resolve(Operations.Embeddings, model!);
        if (await WriteRouteErrorAsync(context, route, Operations.Embeddings, model!))
        {
            return;
        }

        await forwarder.ForwardAsync(context, new ProxyRequest
        {
            Operation = Operations.Embeddings,
            UpstreamPath = "/v1/embeddings",
            RequestedModel = model!,
            Route = route,
            Body = upstreamBody,
        });
    }

    public static async Task TranscriptionsAsync(HttpContext context, ProxyForwarder forwarder, Func<string, string, RouteResolution> resolve)
    {
        var (upload, error) = await TranscriptionUpload.ReadAsync(context, forwarder.Config.Limits.MaxMultipartBodyBytes);
        if (error is not null)
        {
            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        using (upload)
        {
            var model = upload!.Model;
            var route = resolve(Operations.Transcription, model);
            if (await WriteRouteErrorAsync(context, route, Operations.Transcription, model))
            {
                return;
            }

            await forwarder.ForwardAsync(context, new ProxyRequest
            {
                Operation = Operations.Transcription,
                UpstreamPath = "/v1/audio/transcriptions",
                RequestedModel = model,
                Route = route,
                Body = upload,
            });
        }
    }

    private static bool IsMultipart(HttpContext context) =>
        MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
        && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    /// <summary>The resolver's error, or 503 for a route with nothing to attempt; true when written.</summary>
    private static async Task<bool> WriteRouteErrorAsync(HttpContext context, RouteResolution route, string operation, string model)
    {
        if (route.Error is { } error)
        {
            if (route.RetryAfterSeconds is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await ErrorWriter.WriteAsync(context, error);
            return true;
        }

        if (route.Service is null || route.AttemptOrder.IsDefaultOrEmpty)
        {
            await ErrorWriter.WriteAsync(context, new ApiError(503,
                $"No healthy {operation} target available for '{model}'.", ErrorCodes.NoHealthyTarget));
            return true;
        }

        return false;
    }
}
