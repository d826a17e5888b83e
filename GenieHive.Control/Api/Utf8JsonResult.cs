using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenieHive.Control.Api;

/// <summary>A JSON response written with <see cref="Utf8JsonWriter"/>: compact, UTF-8, non-ASCII unescaped (api.md §1.1).</summary>
public sealed class Utf8JsonResult(int statusCode, Action<Utf8JsonWriter> write) : IResult, IStatusCodeHttpResult
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int? StatusCode => statusCode;

    public static Utf8JsonResult Ok(Action<Utf8JsonWriter> write) => new(200, write);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
    }
}
