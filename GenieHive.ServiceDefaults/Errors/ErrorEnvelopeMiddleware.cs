using GenieHive.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GenieHive.ServiceDefaults.Errors;

/// <summary>
/// Funnels every framework failure into the D1 envelope: unhandled exceptions become 500 <c>internal_error</c>
/// with the request id (no stack trace), bad request bodies 400, and bare status codes (unknown route, 405, 413)
/// get an envelope body instead of an empty or plain-text one.
/// </summary>
internal sealed partial class ErrorEnvelopeMiddleware(RequestDelegate next, ILogger<ErrorEnvelopeMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var error = ex.StatusCode == 413
                ? new ApiError(413, "Request body too large.", ErrorCodes.PayloadTooLarge)
                : ApiError.InvalidRequest(ex.Message);
            await ErrorWriter.WriteAsync(context, error);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var requestId = RequestIdMiddleware.Get(context);
            LogUnhandled(logger, requestId, context.Request.Path, ex);
            context.Response.Clear();
            RequestIdMiddleware.Stamp(context, requestId);
            await ErrorWriter.WriteAsync(context, ApiError.Internal(requestId));
            return;
        }

        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null or 0
            && string.IsNullOrEmpty(response.ContentType))
        {
            // Routing answers 405 itself and sets Allow; only the body is ours.
            await ErrorWriter.WriteAsync(context, ApiError.ForStatus(response.StatusCode));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for request {RequestId} on {Path}")]
    private static partial void LogUnhandled(ILogger logger, string requestId, PathString path, Exception exception);
}
