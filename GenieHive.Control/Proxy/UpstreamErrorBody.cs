using System.Text;
using System.Text.Json;

namespace GenieHive.Control.Proxy;

/// <summary>
/// What a non-2xx upstream body says (api.md §2.5): the OpenAI error's <c>message</c>, <c>code</c> and
/// <c>param</c> when it is one, else its text (first 1,000 characters).
/// </summary>
internal sealed record UpstreamErrorBody(string? Message, string? Code, string? Param, bool IsOpenAiError)
{
    public const int MaxMessageChars = 1000;

    public static UpstreamErrorBody Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                using var document = JsonDocument.Parse(body.ToArray());
                if (document.RootElement.TryGetProperty("error", out var error))
                {
                    if (error.ValueKind == JsonValueKind.Object)
                    {
                        return new UpstreamErrorBody(
                            Truncate(StringOf(error, "message")),
                            StringOf(error, "code"),
                            StringOf(error, "param"),
                            IsOpenAiError: true);
                    }

                    if (error.ValueKind == JsonValueKind.String)
                    {
                        return new UpstreamErrorBody(Truncate(error.GetString()), null, null, IsOpenAiError: false);
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return new UpstreamErrorBody(text.Length == 0 ? null : Truncate(text), null, null, IsOpenAiError: false);
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Truncate(string? value) =>
        value is { Length: > MaxMessageChars } ? value[..MaxMessageChars] : value;
}
