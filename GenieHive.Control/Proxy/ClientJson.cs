using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Proxy;

/// <summary>
/// The fields of a client JSON body the proxy reads (api.md §2.2–2.3): it must be one JSON object nested at most
/// 64 deep (else 400 <c>invalid_json</c>); <c>model</c> a non-empty string; <c>stream</c> a boolean or null.
/// </summary>
internal static class ClientJson
{
    public const int MaxDepth = 64;

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    public static ApiError MissingModel() => ApiError.InvalidRequest("Missing 'model' in request body.", "model");

    public static ApiError NotAnObject() => ApiError.InvalidJson("Request body must be a JSON object.");

    /// <summary>Chat: the whole body as a <see cref="JsonObject"/> (request policy rewrites it per attempt).</summary>
    public static (JsonObject? Body, ApiError? Error) ParseObject(ReadOnlySpan<byte> utf8)
    {
        JsonNode? node;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
            node = JsonNode.Parse(ref reader);
            if (reader.Read())
            {
                return (null, ApiError.InvalidJson("Request body is not valid JSON."));
            }
        }
        catch (JsonException)
        {
            return (null, ApiError.InvalidJson("Request body is not valid JSON."));
        }

        return node is JsonObject body ? (body, null) : (null, NotAnObject());
    }

    public static (string? Model, bool Stream, ApiError? Error) ReadModelAndStream(JsonObject body)
    {
        if (!body.TryGetPropertyValue("model", out var modelNode)
            || modelNode is not JsonValue modelValue
            || modelValue.GetValueKind() != JsonValueKind.String
            || modelValue.GetValue<string>() is not { Length: > 0 } model)
        {
            return (null, false, MissingModel());
        }

        var stream = false;
        if (body.TryGetPropertyValue("stream", out var streamNode) && streamNode is not null)
        {
            switch (streamNode.GetValueKind())
            {
                case JsonValueKind.True:
                    stream = true;
                    break;
                case JsonValueKind.False:
                    break;
                default:
                    return (null, false, ApiError.InvalidRequest("'stream' must be a boolean or null.", "stream"));
            }
        }

        return (model, stream, null);
    }

    /// <summary>The caller asked for stream usage itself: <c>stream_options.include_usage</c> is <c>true</c>.</summary>
    public static bool AsksForUsage(JsonObject body) =>
        body["stream_options"] is JsonObject options
        && options["include_usage"] is JsonValue value
        && value.GetValueKind() == JsonValueKind.True;

    /// <summary>
    /// Chat without a DOM: succeeds only for the plain case, one pass of <see cref="Utf8JsonReader"/> over a body
    /// that is valid UTF-8 and one JSON object (depth at most 64) whose top-level names are unescaped and distinct,
    /// with a non-empty string <c>model</c>, a boolean or null <c>stream</c> and no <c>stream_options</c>. Anything
    /// else (every error included) returns false, and the caller takes the <see cref="JsonObject"/> path, which
    /// decides exactly as before.
    /// </summary>
    public static bool TryScanChat(ReadOnlySpan<byte> utf8, out ChatScan scan)
    {
        scan = default;
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return false;
        }

        const int MaxNames = 32;
        Span<(int Start, int Length)> names = stackalloc (int, int)[MaxNames];
        var nameCount = 0;
        string? model = null;
        int modelStart = -1, modelEnd = -1, objectEnd = -1;
        var stream = false;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.CurrentDepth == 0)
                {
                    objectEnd = (int)reader.TokenStartIndex; // the root's closing brace
                    continue;
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                if (reader.ValueIsEscaped || reader.HasValueSequence || nameCount == MaxNames)
                {
                    return false;
                }

                var nameStart = (int)reader.TokenStartIndex + 1;
                var name = reader.ValueSpan;
                for (var i = 0; i < nameCount; i++)
                {
                    if (utf8.Slice(names[i].Start, names[i].Length).SequenceEqual(name))
                    {
                        return false;
                    }
                }

                names[nameCount++] = (nameStart, name.Length);
                if (name.SequenceEqual("stream_options"u8))
                {
                    return false;
                }

                var isModel = name.SequenceEqual("model"u8);
                var isStream = !isModel && name.SequenceEqual("stream"u8);
                reader.Read();
                if (isModel)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    model = reader.GetString();
                    modelStart = (int)reader.TokenStartIndex;
                    modelEnd = (int)reader.BytesConsumed;
                }
                else if (isStream)
                {
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.True:
                            stream = true;
                            break;
                        case JsonTokenType.False or JsonTokenType.Null:
                            break;
                        default:
                            return false;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (model is not { Length: > 0 } || objectEnd < 0)
        {
            return false;
        }

        scan = new ChatScan(model, stream, modelStart, modelEnd, objectEnd);
        return true;
    }

    /// <summary>
    /// Embeddings: validates the body as one object and finds the byte range of the top-level <c>model</c> string
    /// token (quotes included) without building a DOM, so only that value is rewritten per attempt.
    /// </summary>
    public static (string? Model, int Start, int End, ApiError? Error) LocateModel(ReadOnlySpan<byte> utf8)
    {
        string? model = null;
        int start = -1, end = -1;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, 0, 0, NotAnObject());
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isModel = reader.ValueTextEquals("model"u8) && start < 0;
                    reader.Read();
                    if (isModel && reader.TokenType == JsonTokenType.String)
                    {
                        model = reader.GetString();
                        start = (int)reader.TokenStartIndex;
                        end = (int)reader.BytesConsumed;
                    }
                    else if (isModel)
                    {
                        start = int.MaxValue;
                        reader.Skip();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            return (null, 0, 0, ApiError.InvalidJson("Request body is not valid JSON."));
        }

        return model is { Length: > 0 } && start != int.MaxValue ? (model, start, end, null) : (null, 0, 0, MissingModel());
    }
}

/// <summary>The plain chat body <see cref="ClientJson.TryScanChat"/> accepted: the byte ranges the proxy splices.</summary>
/// <param name="Model">The caller's <c>model</c>.</param>
/// <param name="Stream"><c>stream</c> is <c>true</c>.</param>
/// <param name="ModelStart">First byte of the top-level <c>model</c> string token (its opening quote).</param>
/// <param name="ModelEnd">One past its closing quote.</param>
/// <param name="ObjectEnd">Index of the root object's closing brace.</param>
internal readonly record struct ChatScan(string Model, bool Stream, int ModelStart, int ModelEnd, int ObjectEnd);
