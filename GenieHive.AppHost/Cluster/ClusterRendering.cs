using YamlDotNet.Serialization;

namespace GenieHive.AppHost.Cluster;

/// <summary>
/// Renders each process's YAML from the <see cref="ClusterDescription"/>: the control YAML with its role catalog,
/// and one node YAML per node, in the formats of the spec (config.md §1–§3), into the cluster's state folder.
/// </summary>
internal static class ClusterRendering
{
    private static readonly ISerializer Yaml = new SerializerBuilder()
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
        .Build();

    public static string ControlConfigPath(string stateDirectory) => Path.Combine(stateDirectory, "control.yaml");

    public static string RolesPath(string stateDirectory) => Path.Combine(stateDirectory, "roles.cluster.yaml");

    public static string NodeConfigPath(string stateDirectory, NodeDescription node) =>
        Path.Combine(stateDirectory, $"{node.Name}.yaml");

    /// <summary>Writes every file and returns the paths, keyed by process (<c>control</c>, node names).</summary>
    public static IReadOnlyDictionary<string, string> WriteAll(ClusterDescription cluster, string stateDirectory,
        IReadOnlyDictionary<string, string>? extraUpstreamEndpoints = null)
    {
        Directory.CreateDirectory(stateDirectory);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);

        File.WriteAllText(RolesPath(stateDirectory), Header + Yaml.Serialize(Compact(RenderRoles(cluster))));
        File.WriteAllText(ControlConfigPath(stateDirectory), Header + Yaml.Serialize(Compact(RenderControl(cluster, stateDirectory))));
        files["control"] = ControlConfigPath(stateDirectory);

        foreach (var node in cluster.Nodes)
        {
            string? extra = null;
            extraUpstreamEndpoints?.TryGetValue(node.Name, out extra);
            var path = NodeConfigPath(stateDirectory, node);
            File.WriteAllText(path, Header + Yaml.Serialize(Compact(RenderNode(node, extra))));
            files[node.Name] = path;
        }

        return files;
    }

    /// <summary>Drops null entries at any depth, so rendered files show only what the description sets.</summary>
    private static object? Compact(object? value) => value switch
    {
        Dictionary<string, object?> map => map.Where(p => p.Value is not null)
            .ToDictionary(p => p.Key, p => Compact(p.Value), StringComparer.Ordinal),
        IEnumerable<Dictionary<string, object?>> list => list.Select(Compact).ToList(),
        _ => value,
    };

    private const string Header = "# Rendered by GenieHive.AppHost from the GenieHive:Cluster description; edits are overwritten.\n";

    public static Dictionary<string, object?> RenderControl(ClusterDescription cluster, string stateDirectory)
    {
        var roles = new List<string> { RolesPath(stateDirectory) };
        roles.AddRange(cluster.RolesPaths.Select(Path.GetFullPath));
        return new()
        {
            ["deployment_profile"] = "local-cluster",
            // Keys come from Aspire secret parameters through Auth:ClientApiKeys / Auth:NodeApiKeys, never from YAML.
            ["storage"] = new Dictionary<string, object?> { ["sqlite_path"] = Path.Combine(stateDirectory, "geniehive.sqlite3") },
            ["roles_path"] = roles,
            ["routing"] = new Dictionary<string, object?>
            {
                ["health_stale_after_s"] = cluster.HealthStaleAfterSeconds,
                ["default_strategy"] = cluster.Strategy,
            },
        };
    }

    public static Dictionary<string, object?> RenderRoles(ClusterDescription cluster) => new()
    {
        ["roles"] = cluster.Roles.Select(r =>
        {
            var role = new Dictionary<string, object?>
            {
                ["role_id"] = r.RoleId,
                ["display_name"] = r.DisplayName,
                ["description"] = r.Description,
                ["operation"] = r.Operation,
                ["modality"] = r.Modality,
            };
            if (r.SystemPrompt is not null || r.UserTemplate is not null)
            {
                role["prompt_policy"] = new Dictionary<string, object?>
                {
                    ["system_prompt"] = r.SystemPrompt,
                    ["user_template"] = r.UserTemplate,
                };
            }

            role["routing_policy"] = new Dictionary<string, object?>
            {
                ["preferred_families"] = r.PreferredFamilies,
                ["require_loaded"] = r.RequireLoaded,
                ["allowed_device_classes"] = r.AllowedDeviceClasses,
                ["fallback_roles"] = r.FallbackRoles,
                ["min_context"] = r.MinContext,
            };
            return role;
        }).ToList(),
    };

    public static Dictionary<string, object?> RenderNode(NodeDescription node, string? ollamaEndpoint)
    {
        var inventory = new Dictionary<string, object?>
        {
            ["device_class"] = node.DeviceClass,
            ["trust_tier"] = node.TrustTier,
        };

        var services = node.Upstreams.Select((u, i) => new Dictionary<string, object?>
        {
            ["service_id"] = u.ServiceId ?? $"{node.EffectiveHostId}/{u.Kind}/upstream-{i}",
            ["kind"] = u.Kind,
            ["protocol"] = "openai",
            ["endpoint"] = u.Endpoint,
            ["discover_protocol"] = u.DiscoverProtocol,
            ["assets"] = u.Models.Select(m => new Dictionary<string, object?> { ["asset_id"] = m }).ToList(),
        }).ToList();

        if (ollamaEndpoint is not null)
        {
            services.Add(new Dictionary<string, object?>
            {
                ["service_id"] = $"{node.EffectiveHostId}/chat/ollama",
                ["kind"] = "chat",
                ["protocol"] = "openai",
                ["endpoint"] = ollamaEndpoint,
                ["discover_protocol"] = "ollama",
            });
        }

        var simulated = node.Simulated.Select(s =>
        {
            var entry = new Dictionary<string, object?>
            {
                ["id"] = s.Id,
                ["kind"] = s.Kind,
                ["models"] = s.Models.Select(m => new Dictionary<string, object?>
                {
                    ["id"] = m.Id,
                    ["context"] = m.Context,
                    ["family"] = m.Family,
                }).ToList(),
                ["ttft_ms"] = s.TtftMs,
                ["tokens_per_s"] = s.TokensPerS,
                ["jitter_ms"] = s.JitterMs,
                ["completion_tokens"] = s.CompletionTokens,
                ["failure_rate"] = s.FailureRate,
            };
            if (s.Kind == "embeddings")
            {
                entry["dimensions"] = s.Dimensions;
            }

            if (s.Transcript is not null)
            {
                entry["transcript"] = s.Transcript;
            }

            return entry;
        }).ToList();

        var runtimes = node.Runtimes.Select(r => new Dictionary<string, object?>
        {
            ["id"] = r.Id,
            ["engine"] = r.Engine,
            ["paths"] = r.Paths.Count == 0 ? null : r.Paths.Select(Path.GetFullPath).ToList(),
            ["parallel"] = r.Parallel,
            ["queue"] = r.Queue,
            ["context"] = r.Context,
            ["threads"] = r.Threads,
            ["preload"] = r.Preload,
        }).ToList();

        return new()
        {
            ["node"] = new Dictionary<string, object?>
            {
                ["host_id"] = node.EffectiveHostId,
                ["display_name"] = node.DisplayName,
                ["labels"] = node.Labels,
            },
            // The control plane URL comes from Aspire's WithReference(control); the node key from ControlPlane:NodeApiKey.
            ["control_plane"] = new Dictionary<string, object?>
            {
                ["heartbeat_interval_s"] = node.HeartbeatIntervalSeconds,
                ["discovery_interval_s"] = node.DiscoveryIntervalSeconds,
            },
            ["inventory"] = inventory,
            ["services"] = services,
            ["simulated"] = simulated,
            ["runtimes"] = runtimes,
        };
    }
}
