using System.Buffers;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>
/// Reads a JSON route's body within <c>limits.max_json_body_bytes</c> (security.md §5): a <c>Content-Length</c>
/// over the limit is refused before reading, a chunked body is counted while it streams (413
/// <c>payload_too_large</c>); unparseable, non-object or deeper than 64 → 400 <c>invalid_json</c> (api.md §1.1).
/// </summary>
public static class JsonBody
{
    public const int MaxDepth = 64;

    /// <summary>The parsed document (caller disposes), or null with <paramref name="error"/> set.</summary>
    public static async Task<(JsonDocument? Document, ApiError? Error)> ReadObjectAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length && length > limit)
        {
            return (null, ApiError.PayloadTooLarge(limit));
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, Math.Min(limit, 1 << 20)) + 1);
        var body = request.Body;
        long total = 0;
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > limit)
            {
                return (null, ApiError.PayloadTooLarge(limit));
            }

            buffer.Advance(read);
        }

        await InlineIo.LeaveSocketThreadForAsync(buffer.WrittenCount);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (JsonException)
        {
            return (null, ApiError.InvalidJson("The request body is not valid JSON (or is nested deeper than 64)."));
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return (null, ApiError.InvalidJson("The request body must be a JSON object."));
        }

        return (document, null);
    }
}
