using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenieHive.Control.Routing;

/// <summary>
/// The merged request policy for one (service, asset, role) (routing.md "Request policy"): Qwen3 inference, then the
/// target asset's policy, then the primary role's, <c>body_defaults</c> deep-merged, the system prompt and its
/// position from the last source with a non-empty prompt. Treat <see cref="BodyDefaults"/> as read-only.
/// </summary>
public sealed record EffectiveRequestPolicy(JsonObject? BodyDefaults, string? SystemPrompt, string SystemPromptPosition)
{
    public bool IsEmpty => (BodyDefaults is null || BodyDefaults.Count == 0) && string.IsNullOrEmpty(SystemPrompt);

    /// <summary><c>{body_defaults?, system_prompt?, system_prompt_position?}</c> as <c>/v1/models</c> shows it.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (BodyDefaults is { Count: > 0 })
        {
            writer.WritePropertyName("body_defaults");
            BodyDefaults.WriteTo(writer);
        }

        if (!string.IsNullOrEmpty(SystemPrompt))
        {
            writer.WriteString("system_prompt", SystemPrompt);
            writer.WriteString("system_prompt_position", SystemPromptPosition);
        }

        writer.WriteEndObject();
    }
}
