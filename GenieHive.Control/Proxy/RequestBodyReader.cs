using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace GenieHive.Control.Proxy;

/// <summary>
/// Reads a client request body under GenieHive's own limit (security.md §5): a <c>Content-Length</c> over it is
/// refused before reading, a chunked body is counted while it streams; either way 413 <c>payload_too_large</c>.
/// Kestrel's own body limit is lifted for these routes because ours replaces it.
/// </summary>
internal static class RequestBodyReader
{
    public static bool ExceedsDeclaredLength(HttpContext context, long limit) => context.Request.ContentLength > limit;

    public static void LiftServerLimit(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = null;
        }
    }

    /// <summary>The whole body in a pooled buffer the caller disposes, or the 413 error.</summary>
    public static async Task<(PooledBuffer? Body, ApiError? Error)> ReadAsync(HttpContext context, long limit)
    {
        if (ExceedsDeclaredLength(context, limit))
        {
            return (null, ApiError.PayloadTooLarge(limit));
        }

        LiftServerLimit(context);
        var declared = context.Request.ContentLength;
        var buffer = new PooledBuffer(declared is > 0 and <= 1 << 20 ? (int)declared.Value : 16 * 1024);
        try
        {
            var body = context.Request.Body;
            while (true)
            {
                var read = await body.ReadAsync(buffer.GetMemory(8 * 1024), context.RequestAborted);
                if (read == 0)
                {
                    return (buffer, null);
                }

                buffer.Advance(read);
                if (buffer.Count > limit)
                {
                    buffer.Dispose();
                    return (null, ApiError.PayloadTooLarge(limit));
                }
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
