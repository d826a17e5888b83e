using System.Text;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>The OpenAI chat fields a runtime host honours; others are ignored (api.md §1.1).</summary>
internal sealed record ChatCompletionRequest(
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    float Temperature,
    float TopP,
    IReadOnlyList<string> Stop,
    uint? Seed)
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Parses a body: bad JSON → 400 <c>invalid_json</c>, a bad field → 400 <c>invalid_request</c> naming it.</summary>
    public static ApiError? Parse(ReadOnlyMemory<byte> body, out ChatCompletionRequest request)
    {
        request = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            return ApiError.InvalidJson("Request body is not valid JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiError.InvalidJson("Request body must be a JSON object.");
            }

            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            {
                return ApiError.InvalidRequest("'model' must be a string.", "model");
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                return ApiError.InvalidRequest("'messages' must be a non-empty array.", "messages");
            }

            var parsed = new List<ChatMessage>(messages.GetArrayLength());
            var index = 0;
            foreach (var message in messages.EnumerateArray())
            {
                if (ReadMessage(message, index) is { } error)
                {
                    return error;
                }

                parsed.Add(new ChatMessage(message.GetProperty("role").GetString()!, Content(message)));
                index++;
            }

            var stream = false;
            if (root.TryGetProperty("stream", out var s) && s.ValueKind is not JsonValueKind.Null)
            {
                if (s.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return ApiError.InvalidRequest("'stream' must be a boolean.", "stream");
                }

                stream = s.GetBoolean();
            }

            var includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True;

            int? maxTokens = null;
            foreach (var name in (ReadOnlySpan<string>)["max_tokens", "max_completion_tokens"])
            {
                if (root.TryGetProperty(name, out var max) && max.ValueKind != JsonValueKind.Null)
                {
                    if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var value) || value < 1)
                    {
                        return ApiError.InvalidRequest($"'{name}' must be a positive integer.", name);
                    }

                    maxTokens = maxTokens is { } other ? Math.Min(other, value) : value;
                }
            }

            if (Number(root, "temperature", 0, 2, 1, out var temperature) is { } badTemperature)
            {
                return badTemperature;
            }

            if (Number(root, "top_p", 0, 1, 1, out var topP) is { } badTopP)
            {
                return badTopP;
            }

            var stop = new List<string>();
            if (root.TryGetProperty("stop", out var stopValue) && stopValue.ValueKind != JsonValueKind.Null)
            {
                if (stopValue.ValueKind == JsonValueKind.String)
                {
                    stop.Add(stopValue.GetString()!);
                }
                else if (stopValue.ValueKind == JsonValueKind.Array && stopValue.GetArrayLength() <= 4
                         && stopValue.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                {
                    stop.AddRange(stopValue.EnumerateArray().Select(e => e.GetString()!));
                }
                else
                {
                    return ApiError.InvalidRequest("'stop' must be a string or an array of up to 4 strings.", "stop");
                }

                stop.RemoveAll(string.IsNullOrEmpty);
            }

            uint? seed = null;
            if (root.TryGetProperty("seed", out var seedValue) && seedValue.ValueKind != JsonValueKind.Null)
            {
                if (seedValue.ValueKind != JsonValueKind.Number || !seedValue.TryGetInt64(out var number))
                {
                    return ApiError.InvalidRequest("'seed' must be an integer.", "seed");
                }

                // llama.cpp takes a 32-bit seed; OpenAI allows 64 bits: the low 32 keep distinct seeds distinct enough.
                seed = unchecked((uint)number);
            }

            request = new ChatCompletionRequest(model.GetString()!, parsed, stream, includeUsage, maxTokens, (float)temperature, (float)topP, stop, seed);
            return null;
        }
    }

    private static ApiError? ReadMessage(JsonElement message, int index)
    {
        var path = $"messages[{index}]";
        if (message.ValueKind != JsonValueKind.Object)
        {
            return ApiError.InvalidRequest($"'{path}' must be an object.", path);
        }

        if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || role.GetString()!.Length == 0)
        {
            return ApiError.InvalidRequest($"'{path}.role' must be a string.", path + ".role");
        }

        if (message.TryGetProperty("content", out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null))
        {
            return ApiError.InvalidRequest($"'{path}.content' must be a string or an array of parts.", path + ".content");
        }

        return null;
    }

    /// <summary>A message's text: a string, or the <c>text</c> of its text parts joined.</summary>
    private static string Content(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return "";
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }

    private static ApiError? Number(JsonElement root, string name, double min, double max, double fallback, out double value)
    {
        value = fallback;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out value) || value < min || value > max)
        {
            return ApiError.InvalidRequest($"'{name}' must be a number from {min} to {max}.", name);
        }

        return null;
    }
}

internal sealed record ChatMessage(string Role, string Content);
