using System.Buffers;
using System.Text.Json;
using GenieHive.NodeAgent.Simulation;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>JSON pieces of the runtime hosts' OpenAI responses (compact, non-ASCII unescaped, api.md §1.1).</summary>
internal static class HostJson
{
    public static byte[] Encoded(string text) => JsonEncodedText.Encode(text, SimulatedJson.WriterOptions.Encoder).EncodedUtf8Bytes.ToArray();

    public static byte[] ModelsBody(string modelId, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            writer.WriteStartObject();
            writer.WriteString("id", modelId);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", created);
            writer.WriteString("owned_by", "geniehive-node");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>{"content":"…"}</c>: the delta of one streamed piece of text.</summary>
    public static void WriteContentDelta(IBufferWriter<byte> output, string text)
    {
        output.Write("{\"content\":\""u8);
        var encoded = JsonEncodedText.Encode(text, SimulatedJson.WriterOptions.Encoder);
        output.Write(encoded.EncodedUtf8Bytes);
        output.Write("\"}"u8);
    }

    public static async Task WriteAsync(HttpContext context, int status, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = SimulatedJson.JsonContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }
}
