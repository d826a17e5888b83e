using System.Text.Json;

namespace GenieHive.Control.Proxy;

/// <summary><c>usage.{prompt_tokens, completion_tokens, total_tokens}</c> of a response or stream (D7).</summary>
internal readonly record struct TokenUsage(long? PromptTokens, long? CompletionTokens, long? TotalTokens)
{
    /// <summary>
    /// Reads the top-level <c>usage</c> object and whether <c>choices</c> is an empty array, skipping everything
    /// else. False when the document has no non-null <c>usage</c> object or is not a JSON object.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage, out bool choicesEmpty)
    {
        usage = default;
        choicesEmpty = false;
        var found = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1024 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        usage = ReadUsageObject(ref reader);
                        found = true;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Read();
                        choicesEmpty = reader.TokenType == JsonTokenType.EndArray;
                        if (!choicesEmpty)
                        {
                            // Skip the first element, then the rest of the array.
                            reader.Skip();
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return found;
    }

    /// <summary>
    /// A whole (non-streamed) response's top-level <c>usage</c>. Embeddings answers are tens of kilobytes of numbers
    /// with <c>usage</c> last (OpenAI's and MiniLM's order), so that case is read from the end: the last
    /// <c>"usage"</c> whose object is followed by nothing but the document's closing brace is the top-level one.
    /// Anything else (usage first, as llama.cpp writes it; an escaped quote before the name) is read by
    /// <see cref="TryRead"/>, the same answer by a full scan. The bytes between are not validated: this feeds token
    /// metrics, and the body is relayed unchanged either way.
    /// </summary>
    public static bool TryReadWhole(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        var at = json.LastIndexOf("\"usage\""u8);
        if (at < 0)
        {
            usage = default;
            return false;
        }

        var isObject = json.TrimStart(" \t\r\n"u8) is [(byte)'{', ..];
        if (isObject && json[at - 1] != (byte)'\\' && TryReadTrailing(json[(at + 7)..], out usage))
        {
            return true;
        }

        return TryRead(json, out usage, out _);
    }

    /// <summary><paramref name="rest"/> follows a <c>"usage"</c> name: <c>: {…} }</c> and the end, nothing else.</summary>
    private static bool TryReadTrailing(ReadOnlySpan<byte> rest, out TokenUsage usage)
    {
        usage = default;
        rest = rest.TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            return false;
        }

        rest = rest[1..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)'{')
        {
            return false;
        }

        var reader = new Utf8JsonReader(rest);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var read = ReadUsageObject(ref reader);
            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }

            var tail = rest[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8);
            if (tail.Length != 1 || tail[0] != (byte)'}')
            {
                return false;
            }

            usage = read;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static TokenUsage ReadUsageObject(ref Utf8JsonReader reader)
    {
        long? prompt = null, completion = null, total = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ref long? target = ref prompt;
            var known = true;
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                target = ref prompt;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                target = ref completion;
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                target = ref total;
            }
            else
            {
                known = false;
            }

            reader.Read();
            if (known && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                target = value;
            }
            else
            {
                reader.Skip();
            }
        }

        return new TokenUsage(prompt, completion, total);
    }
}
