using System.Collections.Immutable;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Config;

/// <summary>
/// Reads the role catalogs (config.md §3) in order and merges them (D13): a role id repeated within one file
/// replaces the earlier one with a warning; the same id in two files is an error naming both. Fallbacks naming
/// no role or a role of another operation are warnings.
/// </summary>
public static class RoleCatalogLoader
{
    private static readonly string[] OperationValues = [Operations.Chat, Operations.Embeddings, Operations.Transcription];
    private static readonly string[] PositionValues = ["prepend", "append", "replace"];
    private static readonly string[] GuardrailValues = ["none", "forge_proxy", "forge_middleware", "native_light"];
    private static readonly string[] ToolModeValues = ["auto", "native", "prompt", "none"];
    private static readonly string[] BudgetModeValues = ["auto", "upstream", "conservative"];

    private static readonly string[] RoleKeys =
        ["role_id", "display_name", "description", "operation", "modality", "prompt_policy", "routing_policy"];

    private static readonly string[] RoutingKeys =
    [
        "preferred_families", "preferred_labels", "min_context", "require_loaded", "allow_employee_devices",
        "allowed_trust_tiers", "denied_trust_tiers", "allowed_device_classes", "denied_device_classes",
        "allowed_workload_classes", "denied_workload_classes", "fallback_roles", "guardrail_profile", "tool_mode",
        "force_respond_tool", "context_budget_mode", "agentic_benchmark_workloads",
    ];

    /// <param name="paths">Catalog paths as configured (used in findings), resolved against <paramref name="workingDirectory"/>.</param>
    public static ImmutableArray<RoleRecord> Load(IReadOnlyList<string> paths, string workingDirectory, ConfigFindings findings)
    {
        var merged = new List<LoadedRole>();
        foreach (var path in paths)
        {
            var fileRoles = LoadFile(path, workingDirectory, findings);
            foreach (var role in fileRoles)
            {
                var other = merged.Find(m => m.Record.RoleId == role.Record.RoleId);
                if (other is not null)
                {
                    findings.Error(path, ConfigPath.Key(role.Path, "role_id"),
                        $"\"{role.Record.RoleId}\" is also defined in {other.File} {other.Path}", role.IdNode);
                    continue;
                }

                merged.Add(role);
            }
        }

        CheckFallbacks(merged, findings);
        return [.. merged.Select(m => m.Record)];
    }

    private static List<LoadedRole> LoadFile(string path, string workingDirectory, ConfigFindings findings)
    {
        var roles = new List<LoadedRole>();
        var node = YamlDocumentReader.ReadFile(Path.GetFullPath(path, workingDirectory), path, findings);
        if (node is null)
        {
            return roles;
        }

        var r = new ConfigReader(path, findings);
        if (node is not ConfigMapping root)
        {
            r.Error(ConfigPath.Root, "must be a YAML mapping", node);
            return roles;
        }

        r.CheckKnownKeys(root, ConfigPath.Root, "roles");
        var list = r.Sequence(root, "", "roles");
        for (var i = 0; list is not null && i < list.Items.Length; i++)
        {
            var rolePath = ConfigPath.Index("roles", i);
            if (list.Items[i] is not ConfigMapping map)
            {
                r.Error(rolePath, $"must be a mapping; got {list.Items[i].KindName}", list.Items[i]);
                continue;
            }

            var role = ReadRole(r, map, rolePath);
            if (role is null)
            {
                continue;
            }

            var index = roles.FindIndex(x => x.Record.RoleId == role.Record.RoleId);
            if (index >= 0)
            {
                r.Warning(ConfigPath.Key(rolePath, "role_id"),
                    $"\"{role.Record.RoleId}\" repeats {roles[index].Path}; the later definition replaces it", role.IdNode);
                roles[index] = role;
            }
            else
            {
                roles.Add(role);
            }
        }

        return roles;
    }

    private static LoadedRole? ReadRole(ConfigReader r, ConfigMapping map, string path)
    {
        r.CheckKnownKeys(map, path, RoleKeys);
        var id = r.NonEmptyString(map, path, "role_id")?.Trim();
        var displayName = r.String(map, path, "display_name");
        var description = r.String(map, path, "description");
        var operation = r.Enumeration(map, path, "operation", OperationValues, required: true);
        var modality = r.String(map, path, "modality", required: true);
        var prompt = ReadPromptPolicy(r, r.Mapping(map, path, "prompt_policy"), ConfigPath.Key(path, "prompt_policy"));
        var routing = ReadRoutingPolicy(r, r.Mapping(map, path, "routing_policy"), ConfigPath.Key(path, "routing_policy"));
        if (id is null || operation is null || modality is null || prompt is null || routing is null)
        {
            return null;
        }

        var record = new RoleRecord(id, displayName, description, operation, modality, prompt, routing, 0, 0);
        return new LoadedRole(record, r.File, path, map["role_id"]);
    }

    private static PromptPolicy? ReadPromptPolicy(ConfigReader r, ConfigMapping? map, string path)
    {
        if (map is null)
        {
            return PromptPolicy.Empty;
        }

        r.CheckKnownKeys(map, path, "system_prompt", "user_template", "request_policy");
        var systemPrompt = r.String(map, path, "system_prompt");
        var template = r.String(map, path, "user_template");
        var request = ReadRequestPolicy(r, r.Mapping(map, path, "request_policy"), ConfigPath.Key(path, "request_policy"));
        return new PromptPolicy(systemPrompt, template, request);
    }

    /// <summary>The request policy shape of config.md §3.2 (also an asset's own policy, D14).</summary>
    public static RequestPolicy ReadRequestPolicy(ConfigReader r, ConfigMapping? map, string path)
    {
        if (map is null)
        {
            return RequestPolicy.Empty;
        }

        r.CheckKnownKeys(map, path, "body_defaults", "system_prompt", "system_prompt_position");
        var bodyDefaults = r.FreeMap(map, path, "body_defaults");
        if (bodyDefaults is { } defaults && !defaults.EnumerateObject().Any())
        {
            bodyDefaults = null;
        }

        return new RequestPolicy(
            bodyDefaults,
            r.String(map, path, "system_prompt"),
            r.Enumeration(map, path, "system_prompt_position", PositionValues) ?? "prepend");
    }

    private static RoutingPolicy? ReadRoutingPolicy(ConfigReader r, ConfigMapping? map, string path)
    {
        if (map is null)
        {
            return RoutingPolicy.Default;
        }

        r.CheckKnownKeys(map, path, RoutingKeys);
        var defaults = RoutingPolicy.Default;
        return new RoutingPolicy(
            r.NormalizedList(map, path, "preferred_families"),
            r.NormalizedList(map, path, "preferred_labels"),
            r.Integer(map, path, "min_context", 0),
            r.Boolean(map, path, "require_loaded") ?? false,
            r.Boolean(map, path, "allow_employee_devices") ?? false,
            r.NormalizedList(map, path, "allowed_trust_tiers"),
            r.NormalizedList(map, path, "denied_trust_tiers"),
            r.NormalizedList(map, path, "allowed_device_classes"),
            r.NormalizedList(map, path, "denied_device_classes"),
            r.NormalizedList(map, path, "allowed_workload_classes"),
            r.NormalizedList(map, path, "denied_workload_classes"),
            // Role ids are case-sensitive (api.md §1.1): trimmed, not lower-cased.
            r.NormalizedList(map, path, "fallback_roles", lowerCase: false),
            Normalized(r.Enumeration(map, path, "guardrail_profile", GuardrailValues)) ?? defaults.GuardrailProfile,
            Normalized(r.Enumeration(map, path, "tool_mode", ToolModeValues)) ?? defaults.ToolMode,
            r.Boolean(map, path, "force_respond_tool") ?? false,
            Normalized(r.Enumeration(map, path, "context_budget_mode", BudgetModeValues)) ?? defaults.ContextBudgetMode,
            r.NormalizedList(map, path, "agentic_benchmark_workloads"));
    }

    private static string? Normalized(string? value) => value?.Trim().ToLowerInvariant();

    private static void CheckFallbacks(List<LoadedRole> roles, ConfigFindings findings)
    {
        foreach (var role in roles)
        {
            foreach (var fallback in role.Record.RoutingPolicy.FallbackRoles)
            {
                var target = roles.Find(x => x.Record.RoleId == fallback);
                var path = ConfigPath.Key(ConfigPath.Key(role.Path, "routing_policy"), "fallback_roles");
                if (target is null)
                {
                    findings.Warning(role.File, path, $"fallback \"{fallback}\" names no role");
                }
                else if (target.Record.Operation != role.Record.Operation)
                {
                    findings.Warning(role.File, path,
                        $"fallback \"{fallback}\" is a {target.Record.Operation} role; it will be skipped for {role.Record.Operation} (D5)");
                }
            }
        }
    }

    private sealed record LoadedRole(RoleRecord Record, string File, string Path, ConfigNode? IdNode);
}
