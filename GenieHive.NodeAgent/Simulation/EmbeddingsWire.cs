using System.Runtime.InteropServices;
using System.Text.Json;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// OpenAI's embeddings answer, written item by item (so a caller can fill one vector buffer per input):
/// <c>{"object":"list","data":[{"object":"embedding","index","embedding"}…],"model","usage"}</c>. Shared by the
/// simulated servers and the runtime host.
/// </summary>
internal static class EmbeddingsWire
{
    public static void WriteStart(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
    }

    /// <param name="base64">OpenAI's base64 encoding: the float32 values, little-endian, as one base64 string.</param>
    public static void WriteItem(Utf8JsonWriter writer, int index, ReadOnlySpan<float> vector, bool base64)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "embedding");
        writer.WriteNumber("index", index);
        if (base64)
        {
            writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector));
        }
        else
        {
            writer.WriteStartArray("embedding");
            foreach (var value in vector)
            {
                writer.WriteNumberValue(value);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>Closes <c>data</c>, then <c>model</c> and <c>usage</c> (last, as OpenAI orders it).</summary>
    public static void WriteEnd(Utf8JsonWriter writer, string model, int promptTokens)
    {
        writer.WriteEndArray();
        writer.WriteString("model", model);
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", promptTokens);
        writer.WriteNumber("total_tokens", promptTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
