using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// Pre-encoded pieces of OpenAI's <c>chat.completion.chunk</c> SSE events: a request builds its prefix once and
/// each token is three pre-encoded segments written to the pipe, with no per-token allocation.
/// </summary>
internal static class ChatWire
{
    public static readonly byte[] RoleDelta = "{\"role\":\"assistant\",\"content\":\"\"}"u8.ToArray();
    public static readonly byte[] EmptyDelta = "{}"u8.ToArray();
    public static readonly byte[] OpenTail = ",\"finish_reason\":null}]}\n\n"u8.ToArray();
    public static readonly byte[] StopTail = ",\"finish_reason\":\"stop\"}]}\n\n"u8.ToArray();
    public static readonly byte[] LengthTail = ",\"finish_reason\":\"length\"}]}\n\n"u8.ToArray();
    public static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private static readonly string[] Words =
    [
        "Simulated", " tokens", " stream", " from", " a", " GenieHive", " node", " agent", " at", " a", " steady", " pace", ". ",
    ];

    /// <summary><c>{"content":"&lt;word&gt;"}</c> for each vocabulary word.</summary>
    public static readonly byte[][] TokenDeltas = Words
        .Select(w => Encoding.UTF8.GetBytes("{\"content\":" + JsonSerializer.Serialize(w, SimulatedJsonContext.Default.String) + "}"))
        .ToArray();

    public static string Token(int index) => Words[index % Words.Length];

    public static string Text(int tokens)
    {
        var text = new StringBuilder(tokens * 8);
        for (var i = 0; i < tokens; i++)
        {
            text.Append(Token(i));
        }

        return text.ToString();
    }

    public static string NewId() => "chatcmpl-" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));

    /// <summary><c>data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[{"index":0,"delta":</c></summary>
    public static byte[] ChunkPrefix(string id, long created, byte[] encodedModel)
    {
        var head = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"data: {{\"id\":\"{id}\",\"object\":\"chat.completion.chunk\",\"created\":{created},\"model\":"));
        var tail = "\",\"choices\":[{\"index\":0,\"delta\":"u8;
        var prefix = new byte[head.Length + 1 + encodedModel.Length + tail.Length];
        head.CopyTo(prefix, 0);
        prefix[head.Length] = (byte)'"';
        encodedModel.CopyTo(prefix, head.Length + 1);
        tail.CopyTo(prefix.AsSpan(head.Length + 1 + encodedModel.Length));
        return prefix;
    }

    /// <summary>The usage-only event (<c>choices: []</c>) sent before <c>[DONE]</c> when <c>include_usage</c> is true.</summary>
    public static byte[] UsageChunk(string id, long created, string model, int prompt, int completion)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        buffer.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "chat.completion.chunk");
            writer.WriteNumber("created", created);
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            WriteUsage(writer, prompt, completion);
            writer.WriteEndObject();
        }

        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A whole non-streamed <c>chat.completion</c>: one assistant choice and its usage.</summary>
    public static void WriteCompletion(Utf8JsonWriter writer, string model, long created, string content, string finishReason, int prompt, int completion)
    {
        writer.WriteStartObject();
        writer.WriteString("id", NewId());
        writer.WriteString("object", "chat.completion");
        writer.WriteNumber("created", created);
        writer.WriteString("model", model);
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        writer.WriteStartObject("message");
        writer.WriteString("role", "assistant");
        writer.WriteString("content", content);
        writer.WriteEndObject();
        writer.WriteString("finish_reason", finishReason);
        writer.WriteEndObject();
        writer.WriteEndArray();
        WriteUsage(writer, prompt, completion);
        writer.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter writer, int prompt, int completion)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", prompt);
        writer.WriteNumber("completion_tokens", completion);
        writer.WriteNumber("total_tokens", prompt + completion);
        writer.WriteEndObject();
    }
}
