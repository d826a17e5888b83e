using System.Buffers;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>The chat request fields a simulated server reads.</summary>
internal readonly record struct ChatRequest(string Model, bool Stream, int? MaxTokens, bool IncludeUsage, int PromptBytes);

/// <summary>The embeddings request fields a simulated server reads.</summary>
internal readonly record struct EmbeddingsRequest(string Model, IReadOnlyList<string> Inputs, bool Base64);

/// <summary>
/// Reads only the fields the simulators need with <see cref="Utf8JsonReader"/> (no DOM): bad JSON → 400
/// <c>invalid_json</c>, a bad field → 400 <c>invalid_request</c> naming it (api.md §1.1).
/// </summary>
internal static class SimulatedRequests
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    public static ApiError? ParseChat(in ReadOnlySequence<byte> body, out ChatRequest request)
    {
        request = default;
        string? model = null;
        bool stream = false, includeUsage = false;
        int? maxTokens = null;
        var promptBytes = 0;
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ApiError.InvalidJson("Request body must be a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (model is null)
                    {
                        return ApiError.InvalidRequest("'model' must be a string.", "model");
                    }
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False or JsonTokenType.Null => false,
                        _ => throw new InvalidFieldException("stream", "'stream' must be a boolean."),
                    };
                }
                else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    var name = reader.ValueTextEquals("max_tokens"u8) ? "max_tokens" : "max_completion_tokens";
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var max) || max < 1)
                    {
                        return ApiError.InvalidRequest($"'{name}' must be a positive integer.", name);
                    }

                    maxTokens = maxTokens is { } other ? Math.Min(other, max) : max;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        includeUsage = ReadIncludeUsage(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("messages"u8))
                {
                    reader.Read();
                    promptBytes = CountStringBytes(ref reader);
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
            return ApiError.InvalidJson("Request body is not valid JSON.");
        }
        catch (InvalidFieldException ex)
        {
            return ApiError.InvalidRequest(ex.Message, ex.Param);
        }

        if (string.IsNullOrEmpty(model))
        {
            return ApiError.InvalidRequest("Missing 'model' in request body.", "model");
        }

        request = new ChatRequest(model, stream, maxTokens, includeUsage, promptBytes);
        return null;
    }

    public static ApiError? ParseEmbeddings(in ReadOnlySequence<byte> body, out EmbeddingsRequest request)
    {
        request = default;
        string? model = null;
        var base64 = false;
        List<string>? inputs = null;
        try
        {
            var reader = new Utf8JsonReader(body, ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ApiError.InvalidJson("Request body must be a JSON object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (model is null)
                    {
                        return ApiError.InvalidRequest("'model' must be a string.", "model");
                    }
                }
                else if (reader.ValueTextEquals("encoding_format"u8))
                {
                    reader.Read();
                    var format = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (format is not ("float" or "base64") && reader.TokenType != JsonTokenType.Null)
                    {
                        return ApiError.InvalidRequest("'encoding_format' must be float or base64.", "encoding_format");
                    }

                    base64 = format == "base64";
                }
                else if (reader.ValueTextEquals("input"u8))
                {
                    reader.Read();
                    inputs = ReadInputs(ref reader);
                    if (inputs is null)
                    {
                        return ApiError.InvalidRequest("'input' must be a string or an array of strings or token arrays.", "input");
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
            return ApiError.InvalidJson("Request body is not valid JSON.");
        }

        if (string.IsNullOrEmpty(model))
        {
            return ApiError.InvalidRequest("Missing 'model' in request body.", "model");
        }

        if (inputs is null || inputs.Count == 0)
        {
            return ApiError.InvalidRequest("Missing 'input' in request body.", "input");
        }

        request = new EmbeddingsRequest(model, inputs, base64);
        return null;
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isUsage)
            {
                include = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        return include;
    }

    /// <summary>Total UTF-8 bytes of the string values (roles included) in the value at the reader: the prompt estimate is bytes / 4.</summary>
    private static int CountStringBytes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartArray or JsonTokenType.StartObject))
        {
            return reader.TokenType == JsonTokenType.String ? Length(ref reader) : 0;
        }

        var depth = reader.CurrentDepth;
        var total = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                total += Length(ref reader);
            }
        }

        return total;
    }

    private static int Length(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;

    private static List<string>? ReadInputs(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return [reader.GetString()!];
            case JsonTokenType.StartArray:
                var inputs = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.String:
                            inputs.Add(reader.GetString()!);
                            break;
                        case JsonTokenType.Number:
                            // One array of token ids: the whole array is one input.
                            var tokens = new System.Text.StringBuilder();
                            do
                            {
                                tokens.Append(reader.GetInt64()).Append(',');
                            }
                            while (reader.Read() && reader.TokenType == JsonTokenType.Number);

                            return reader.TokenType == JsonTokenType.EndArray && inputs.Count == 0 ? [tokens.ToString()] : null;
                        case JsonTokenType.StartArray:
                            var nested = new System.Text.StringBuilder();
                            while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                            {
                                nested.Append(reader.GetInt64()).Append(',');
                            }

                            if (reader.TokenType != JsonTokenType.EndArray)
                            {
                                return null;
                            }

                            inputs.Add(nested.ToString());
                            break;
                        default:
                            return null;
                    }
                }

                return inputs;
            default:
                return null;
        }
    }

    private sealed class InvalidFieldException(string param, string message) : Exception(message)
    {
        public string Param { get; } = param;
    }
}
