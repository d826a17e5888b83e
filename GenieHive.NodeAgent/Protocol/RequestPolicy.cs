using System.Text.Json.Nodes;

namespace GenieHive.NodeAgent.Protocol;

/// <summary>An asset's request policy (D14): <c>{body_defaults, system_prompt, system_prompt_position}</c>.</summary>
internal sealed record RequestPolicy(JsonObject BodyDefaults, string? SystemPrompt, string SystemPromptPosition);
