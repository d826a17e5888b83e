using System.Buffers;
using System.IO.Pipelines;
using GenieHive.NodeAgent.Telemetry;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace GenieHive.NodeAgent.Simulation;

internal sealed partial class SimulatedServer
{
    private static readonly byte[] HealthBody = "{\"status\":\"ok\"}"u8.ToArray();

    private async Task HandleAsync(HttpContext context)
    {
        Traces.Record(context.Request.Headers.TraceParent);
        var alive = AliveToken;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(alive, context.RequestAborted);
        var activity = context.Request.Path == "/health" ? null : NodeTelemetry.StartServe(context, Config.ServiceId, "simulated");
        try
        {
            await DispatchAsync(context, linked.Token);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Killed or the client left: drop the connection, there is nobody to answer.
            context.Abort();
        }
        catch (IOException)
        {
            context.Abort();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A defect, not an outcome: logged (rare, so no cost per request), answered in the envelope.
            SimulationLog.SimulatedRequestFailed(_logger, Config.Id, ex);
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            await ErrorWriter.WriteAsync(context, ApiError.Internal("simulated"));
        }
        finally
        {
            NodeTelemetry.Stop(activity, context);
        }
    }

    private Task DispatchAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        var (operation, allow) = path switch
        {
            "/health" => ("health", "GET"),
            "/v1/models" => ("models", "GET"),
            "/v1/chat/completions" => ("chat", "POST"),
            "/v1/embeddings" => ("embeddings", "POST"),
            "/v1/audio/transcriptions" => ("transcription", "POST"),
            _ => ("", ""),
        };

        if (operation.Length == 0 || (operation is "chat" or "embeddings" or "transcription" && operation != Config.Kind))
        {
            return ErrorWriter.WriteAsync(context, ApiError.NotFound($"No route {path} on this {Config.Kind} server."));
        }

        if (!string.Equals(method, allow, StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.Allow = allow;
            return ErrorWriter.WriteAsync(context, new ApiError(405, "Method not allowed.", ErrorCodes.MethodNotAllowed));
        }

        return operation switch
        {
            "health" => WriteBytesAsync(context, HealthBody, cancellationToken),
            "models" => WriteBytesAsync(context, _modelsBody, cancellationToken),
            "chat" => ChatAsync(context, cancellationToken),
            "embeddings" => EmbeddingsAsync(context, cancellationToken),
            _ => TranscriptionAsync(context, cancellationToken),
        };
    }

    private static async Task WriteBytesAsync(HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = SimulatedJson.JsonContentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, cancellationToken);
    }

    private ApiError? CheckModel(string model) =>
        _encodedModels.ContainsKey(model)
            ? null
            : new ApiError(404, $"The model '{model}' does not exist on this server.", ErrorCodes.ModelNotFound, "model");

    /// <summary>
    /// The failure draw and the time to first byte. Returns false when the request has been answered (a status
    /// failure) or dropped (a reset); <paramref name="midStream"/> says the body must break halfway.
    /// </summary>
    private async Task<(bool Proceed, bool MidStream)> BeforeFirstByteAsync(HttpContext context, double extraMs, CancellationToken cancellationToken)
    {
        var (fails, jitter) = _dice.Roll(Config.FailureRate, Config.JitterMs);
        if (fails && Config.FailureMode == "reset")
        {
            context.Abort();
            return (false, false);
        }

        await DelayAsync(Config.TtftMs + jitter + extraMs, cancellationToken);
        if (fails && Config.FailureMode == "status")
        {
            var status = Config.FailureStatus;
            if (status is 429 or 503)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            var code = status switch
            {
                429 => ErrorCodes.RateLimited,
                >= 500 => ErrorCodes.InternalError,
                _ => ErrorCodes.InvalidRequest,
            };
            await ErrorWriter.WriteAsync(context, new ApiError(status, "Simulated failure.", code));
            return (false, false);
        }

        return (true, fails);
    }

    private Task DelayAsync(double milliseconds, CancellationToken cancellationToken) =>
        milliseconds >= 0.5 ? Task.Delay(TimeSpan.FromMilliseconds(milliseconds), _time, cancellationToken) : Task.CompletedTask;

    /// <summary>
    /// Reads a JSON body whole (the simulators need all of it) within <c>limits.max_json_body_bytes</c>; the caller
    /// parses <see cref="ReadResult.Buffer"/> and then calls <see cref="PipeReader.AdvanceTo(SequencePosition)"/>.
    /// </summary>
    private async Task<(ReadResult? Body, ApiError? Error)> ReadJsonBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ApiError.UnsupportedMediaType("This route takes JSON, not multipart/form-data."));
        }

        if (request.ContentLength > MaxJsonBodyBytes)
        {
            return (null, ApiError.PayloadTooLarge(MaxJsonBodyBytes));
        }

        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > MaxJsonBodyBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                return (null, ApiError.PayloadTooLarge(MaxJsonBodyBytes));
            }

            if (result.IsCompleted)
            {
                return (result, null);
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private sealed class Application(SimulatedServer server) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => server.HandleAsync(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
