using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace GenieHive.ServiceDefaults.Errors;

/// <summary>Writes <see cref="ApiError"/> envelopes: the one writer behind handlers, middleware and fallbacks.</summary>
public static class ErrorWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] ToUtf8(ApiError error)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, error);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, ApiError error)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.EffectiveType);
        writer.WriteString("code", error.Code);
        if (error.Param is null)
        {
            writer.WriteNull("param");
        }
        else
        {
            writer.WriteString("param", error.Param);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = error.Status;
        response.ContentType = "application/json; charset=utf-8";
        if (error.Status == 401)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        var bytes = ToUtf8(error);
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>An <see cref="IResult"/> that writes the envelope, for minimal API handlers.</summary>
    public static IResult Result(ApiError error) => new ErrorResult(error);

    private sealed class ErrorResult(ApiError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, error);
    }
}
