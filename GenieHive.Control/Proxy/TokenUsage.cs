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
