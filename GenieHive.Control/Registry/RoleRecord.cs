using System.Collections.Immutable;

namespace GenieHive.Control.Registry;

/// <summary>A role from the catalogs (config.md §3, api.md §4.1 Role). Immutable; part of a snapshot.</summary>
/// <param name="CreatedAt">Unix seconds of the role's first load (D12), kept across restarts.</param>
public sealed record RoleRecord(
    string RoleId,
    string? DisplayName,
    string? Description,
    string Operation,
    string Modality,
    PromptPolicy PromptPolicy,
    RoutingPolicy RoutingPolicy,
    double CreatedAt,
    double UpdatedAt);

/// <param name="SystemPrompt">Persona prompt, sent to the model (D4).</param>
/// <param name="UserTemplate">Wraps the last user message; <c>{input}</c> or <c>{{ user_input }}</c>.</param>
public sealed record PromptPolicy(string? SystemPrompt, string? UserTemplate, RequestPolicy RequestPolicy)
{
    public static PromptPolicy Empty { get; } = new(null, null, RequestPolicy.Empty);
}

/// <summary>config.md §3.3; lists are trimmed and lower-cased at load, empties dropped (routing.md).</summary>
public sealed record RoutingPolicy(
    ImmutableArray<string> PreferredFamilies,
    ImmutableArray<string> PreferredLabels,
    long? MinContext,
    bool RequireLoaded,
    bool AllowEmployeeDevices,
    ImmutableArray<string> AllowedTrustTiers,
    ImmutableArray<string> DeniedTrustTiers,
    ImmutableArray<string> AllowedDeviceClasses,
    ImmutableArray<string> DeniedDeviceClasses,
    ImmutableArray<string> AllowedWorkloadClasses,
    ImmutableArray<string> DeniedWorkloadClasses,
    ImmutableArray<string> FallbackRoles,
    string GuardrailProfile,
    string ToolMode,
    bool ForceRespondTool,
    string ContextBudgetMode,
    ImmutableArray<string> AgenticBenchmarkWorkloads)
{
    public static RoutingPolicy Default { get; } = new(
        [], [], null, false, false, [], [], [], [], [], [], [], "none", "auto", false, "auto", []);
}
