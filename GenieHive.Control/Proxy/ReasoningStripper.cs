using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace GenieHive.Control.Proxy;

/// <summary>
/// Removes every member named <c>reasoning_content</c> or <c>reasoning</c>, at any depth and inside arrays, from a
/// JSON document (routing.md "Streaming and response sanitising"). One forward pass with <see cref="Utf8JsonReader"/>
/// copying tokens to a <see cref="Utf8JsonWriter"/>: strings and numbers are copied as their original bytes, so
/// nothing but the removed members and insignificant whitespace changes.
/// </summary>
internal static class ReasoningStripper
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
        MaxDepth = 1024,
    };

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1024 };

    /// <summary>Cheap pre-check: may the document hold a reasoning member at all?</summary>
    public static bool MayContainReasoning(ReadOnlySpan<byte> json) => json.IndexOf("\"reasoning"u8) >= 0;

    /// <summary>Validates <paramref name="json"/> as one JSON value (throws <see cref="JsonException"/> if it is not).</summary>
    public static void Validate(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        while (reader.Read())
        {
        }
    }

    /// <summary>
    /// Writes <paramref name="json"/> without reasoning members to <paramref name="output"/> (compact) and says
    /// whether anything was removed. Throws <see cref="JsonException"/> on invalid JSON.
    /// </summary>
    public static bool Strip(ReadOnlySpan<byte> json, IBufferWriter<byte> output)
    {
        var removed = false;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        byte[]? scratch = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
                        {
                            reader.Skip();
                            removed = true;
                            break;
                        }

                        if (reader.ValueIsEscaped)
                        {
                            var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
                            if (scratch is null || scratch.Length < length)
                            {
                                if (scratch is not null)
                                {
                                    ArrayPool<byte>.Shared.Return(scratch);
                                }

                                scratch = ArrayPool<byte>.Shared.Rent(length);
                            }

                            var written = reader.CopyString(scratch);
                            writer.WritePropertyName(scratch.AsSpan(0, written));
                        }
                        else
                        {
                            writer.WritePropertyName(reader.ValueSpan);
                        }

                        break;
                    case JsonTokenType.String:
                        var start = (int)reader.TokenStartIndex;
                        writer.WriteRawValue(json[start..(int)reader.BytesConsumed], skipInputValidation: true);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                    default:
                        break;
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }

        writer.Flush();
        return removed;
    }
}
