using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenieHive.Control.Config;

/// <summary>
/// Free YAML values as JSON with their YAML 1.1 types (config.md §0): null, boolean words, integers, decimals
/// (<c>0.0</c> stays a number); quoted or other text is a string.
/// </summary>
public static class YamlJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonElement ToJson(ConfigNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            Write(writer, node);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    public static void Write(Utf8JsonWriter writer, ConfigNode node)
    {
        switch (node)
        {
            case ConfigMapping map:
                writer.WriteStartObject();
                foreach (var entry in map.Entries)
                {
                    writer.WritePropertyName(entry.Key);
                    Write(writer, entry.Value);
                }

                writer.WriteEndObject();
                break;
            case ConfigSequence sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case ConfigScalar scalar:
                WriteScalar(writer, scalar);
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, ConfigScalar scalar)
    {
        if (scalar.IsNull)
        {
            writer.WriteNullValue();
        }
        else if (scalar.AsBoolean() is { } boolean)
        {
            writer.WriteBooleanValue(boolean);
        }
        else if (scalar.AsInteger() is { } integer)
        {
            writer.WriteNumberValue(integer);
        }
        else if (scalar.AsNumber() is { } number && double.IsFinite(number))
        {
            // Keep the decimal point so 0.0 reads back as a number with a fraction.
            var text = number.ToString("R", CultureInfo.InvariantCulture);
            if (!text.Contains('.', StringComparison.Ordinal) && !text.Contains('E', StringComparison.Ordinal))
            {
                text += ".0";
            }

            writer.WriteRawValue(text);
        }
        else
        {
            writer.WriteStringValue(scalar.Text);
        }
    }
}
