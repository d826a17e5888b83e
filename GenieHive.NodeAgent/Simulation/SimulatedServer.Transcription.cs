using System.Text;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Simulation;

internal sealed partial class SimulatedServer
{
    private static readonly string[] ResponseFormats = ["json", "text", "verbose_json", "srt", "vtt"];

    private async Task TranscriptionAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!request.HasFormContentType || !request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            await ErrorWriter.WriteAsync(context, ApiError.UnsupportedMediaType("Transcription takes multipart/form-data."));
            return;
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var model = form["model"].ToString();
        ApiError? error = null;
        if (form.Files.GetFile("file") is null)
        {
            error = ApiError.InvalidRequest("Missing 'file' part.", "file");
        }
        else if (model.Length == 0)
        {
            error = ApiError.InvalidRequest("Missing 'model' part.", "model");
        }

        var format = form["response_format"].ToString();
        if (format.Length == 0)
        {
            format = "json";
        }

        if (error is null && !ResponseFormats.Contains(format))
        {
            error = ApiError.InvalidRequest($"'response_format' must be one of {string.Join(", ", ResponseFormats)}.", "response_format");
        }

        error ??= CheckModel(model);
        if (error is not null)
        {
            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        var (proceed, midStream) = await BeforeFirstByteAsync(context, 0, cancellationToken);
        if (!proceed)
        {
            return;
        }

        var text = Config.Transcript;
        if (format is "json" or "verbose_json")
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
            {
                writer.WriteStartObject();
                if (format == "verbose_json")
                {
                    writer.WriteString("task", "transcribe");
                    writer.WriteString("language", form["language"].ToString() is { Length: > 0 } language ? language : "english");
                    writer.WriteNumber("duration", 1.0);
                }

                writer.WriteString("text", text);
                writer.WriteEndObject();
            }

            await WriteJsonAsync(context, buffer.WrittenMemory, midStream, cancellationToken);
            return;
        }

        var body = format switch
        {
            "srt" => $"1\n00:00:00,000 --> 00:00:01,000\n{text}\n",
            "vtt" => $"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{text}\n",
            _ => text,
        };
        var bytes = Encoding.UTF8.GetBytes(body);
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = bytes.Length;
        if (midStream)
        {
            await response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            context.Abort();
            return;
        }

        await response.Body.WriteAsync(bytes, cancellationToken);
    }
}
