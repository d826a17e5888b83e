using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenieHive.Control.Api;

/// <summary>A JSON response written with <see cref="Utf8JsonWriter"/>: compact, UTF-8, non-ASCII unescaped (api.md §1.1).</summary>
/// <param name="sizeHint">Expected size in bytes: a large answer is written off the socket thread (InlineIo).</param>
public sealed class Utf8JsonResult(int statusCode, Action<Utf8JsonWriter> write, long sizeHint = 0) : IResult, IStatusCodeHttpResult
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public int? StatusCode => statusCode;

    public static Utf8JsonResult Ok(Action<Utf8JsonWriter> write, long sizeHint = 0) => new(200, write, sizeHint);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        await InlineIo.LeaveSocketThreadForAsync(sizeHint);
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
