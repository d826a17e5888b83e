using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>The OpenAI embeddings fields a runtime host honours: <c>model</c>, <c>input</c> (text), <c>encoding_format</c>.</summary>
internal sealed record EmbeddingsRequest(string Model, IReadOnlyList<string> Inputs, bool Base64)
{
    public const int MaxInputs = 2048;

    public static ApiError? Parse(ReadOnlyMemory<byte> body, out EmbeddingsRequest request)
    {
        request = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
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

            var base64 = false;
            if (root.TryGetProperty("encoding_format", out var format) && format.ValueKind != JsonValueKind.Null)
            {
                if (format.ValueKind != JsonValueKind.String || format.GetString() is not ("float" or "base64"))
                {
                    return ApiError.InvalidRequest("'encoding_format' must be float or base64.", "encoding_format");
                }

                base64 = format.GetString() == "base64";
            }

            if (!root.TryGetProperty("input", out var input))
            {
                return ApiError.InvalidRequest("Missing 'input' in request body.", "input");
            }

            var inputs = new List<string>();
            if (input.ValueKind == JsonValueKind.String)
            {
                inputs.Add(input.GetString()!);
            }
            else if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() is > 0 and <= MaxInputs
                     && input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            {
                inputs.AddRange(input.EnumerateArray().Select(e => e.GetString()!));
            }
            else
            {
                // Token-id arrays name tokens of OpenAI's tokenizer, which no model here shares: refused, not guessed.
                return ApiError.InvalidRequest($"'input' must be a string or an array of 1 to {MaxInputs} strings.", "input");
            }

            request = new EmbeddingsRequest(model.GetString()!, inputs, base64);
            return null;
        }
    }
}
