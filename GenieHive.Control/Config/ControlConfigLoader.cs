using System.Collections.Immutable;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Config;

/// <summary>
/// Reads and validates the control YAML (config.md §1) and its role catalogs (§3) in one pass, collecting every
/// finding (§5). Never throws for bad input: errors are findings.
/// </summary>
public static class ControlConfigLoader
{
    private static readonly string[] RootKeys =
    [
        "deployment_profile", "server", "auth", "storage", "roles_path", "routing", "limits", "cors",
        "audit", "admin_api", "authorization", "budgeting", "providers",
    ];

    private static readonly string[] KnownStrategies = [Strategies.Scored, Strategies.RoundRobin, Strategies.LeastLoaded];

    public static LoadedConfiguration Load(ControlConfigInputs inputs)
    {
        var findings = new ConfigFindings();
        var file = inputs.ConfigPath ?? "(defaults)";
        ConfigMapping? root = null;
        if (inputs.ConfigPath is not null)
        {
            var node = YamlDocumentReader.ReadFile(Path.GetFullPath(inputs.ConfigPath, inputs.WorkingDirectory), file, findings);
            if (node is ConfigMapping mapping)
            {
                root = mapping;
            }
            else if (node is not null)
            {
                findings.Error(file, ConfigPath.Root, "must be a YAML mapping", node);
            }
        }

        var reader = new ConfigReader(file, findings);
        var config = Read(root, reader, inputs);
        KeyHygiene.Check(config, inputs, findings);

        var roles = RoleCatalogLoader.Load(config.RolesPaths, inputs.WorkingDirectory, findings);
        var resolved = config with
        {
            SourcePath = inputs.ConfigPath is null ? null : Path.GetFullPath(inputs.ConfigPath, inputs.WorkingDirectory),
            RolesPaths = [.. config.RolesPaths.Select(p => Path.GetFullPath(p, inputs.WorkingDirectory))],
            Storage = config.Storage.SqlitePath == ":memory:"
                ? config.Storage
                : new StorageConfig { SqlitePath = Path.GetFullPath(config.Storage.SqlitePath, inputs.WorkingDirectory) },
        };
        return new LoadedConfiguration(resolved, roles, Ordered(findings.Items));
    }

    /// <summary>Findings grouped by file (in order of first mention), then by line; findings without a line last.</summary>
    private static List<ConfigFinding> Ordered(IReadOnlyList<ConfigFinding> findings)
    {
        var files = findings.Select(f => f.File).Distinct(StringComparer.Ordinal).ToList();
        return [.. findings
            .Select((finding, index) => (finding, index))
            .OrderBy(x => files.IndexOf(x.finding.File))
            .ThenBy(x => x.finding.Line ?? int.MaxValue)
            .ThenBy(x => x.finding.Column ?? int.MaxValue)
            .ThenBy(x => x.index)
            .Select(x => x.finding)];
    }

    private static ControlConfig Read(ConfigMapping? root, ConfigReader r, ControlConfigInputs inputs)
    {
        if (root is not null)
        {
            r.CheckKnownKeys(root, ConfigPath.Root, RootKeys);
        }

        var defaults = new ControlConfig();
        var server = r.Mapping(root, "", "server");
        if (server is not null)
        {
            r.CheckKnownKeys(server, "server", "host", "port");
        }

        var host = r.String(server, "server", "host");
        if (host is not null && host.Trim().Length == 0)
        {
            r.Error("server.host", "must not be empty", server?["host"]);
            host = null;
        }

        var auth = ReadAuth(r, r.Mapping(root, "", "auth"), inputs);
        var storage = r.Mapping(root, "", "storage");
        if (storage is not null)
        {
            r.CheckKnownKeys(storage, "storage", "sqlite_path");
        }

        var sqlitePath = r.String(storage, "storage", "sqlite_path");
        if (sqlitePath is not null && sqlitePath.Trim().Length == 0)
        {
            r.Error("storage.sqlite_path", "must not be empty", storage?["sqlite_path"]);
            sqlitePath = null;
        }

        var cors = r.Mapping(root, "", "cors");
        if (cors is not null)
        {
            r.CheckKnownKeys(cors, "cors", "allowed_origins");
        }

        var profile = r.String(root, "", "deployment_profile") ?? defaults.DeploymentProfile;
        return new ControlConfig
        {
            DeploymentProfile = profile,
            Server = new ServerConfig
            {
                Host = host ?? defaults.Server.Host,
                Port = (int)(r.Integer(server, "server", "port", 0, 65535) ?? defaults.Server.Port),
            },
            Auth = auth,
            Storage = new StorageConfig { SqlitePath = sqlitePath ?? defaults.Storage.SqlitePath },
            RolesPaths = ReadRolesPaths(r, root, inputs),
            Routing = ReadRouting(r, r.Mapping(root, "", "routing")),
            Limits = ReadLimits(r, r.Mapping(root, "", "limits")),
            CorsAllowedOrigins = r.StringList(cors, "cors", "allowed_origins", rejectEmptyItems: true) ?? [],
            Governance = GovernanceReader.Read(r, root),
        };
    }

    private static AuthConfig ReadAuth(ConfigReader r, ConfigMapping? auth, ControlConfigInputs inputs)
    {
        if (auth is not null)
        {
            r.CheckKnownKeys(auth, "auth", "client_api_keys", "node_api_keys", "allow_open_node_routes",
                "enable_named_client_keys", "key_hash_secret_env");
        }

        var client = r.StringList(auth, "auth", "client_api_keys", rejectEmptyItems: true) ?? [];
        var node = r.StringList(auth, "auth", "node_api_keys", rejectEmptyItems: true) ?? [];
        ReportEmptyExtraKeys(r.Findings, "Auth:ClientApiKeys", inputs.ExtraClientKeys);
        ReportEmptyExtraKeys(r.Findings, "Auth:NodeApiKeys", inputs.ExtraNodeKeys);
        return new AuthConfig
        {
            ClientApiKeys = [.. client, .. inputs.ExtraClientKeys.Where(k => k.Length > 0)],
            NodeApiKeys = [.. node, .. inputs.ExtraNodeKeys.Where(k => k.Length > 0)],
            AllowOpenNodeRoutes = r.Boolean(auth, "auth", "allow_open_node_routes") ?? false,
        };
    }

    private static void ReportEmptyExtraKeys(ConfigFindings findings, string setting, ImmutableArray<string> keys)
    {
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i].Length == 0)
            {
                findings.Error($"{setting}:{i}", ConfigPath.Root, "must not be an empty string");
            }
        }
    }

    private static ImmutableArray<string> ReadRolesPaths(ConfigReader r, ConfigMapping? root, ControlConfigInputs inputs)
    {
        var node = ConfigReader.Value(root, "roles_path");
        var paths = new List<string>();
        switch (node)
        {
            case null:
                break;
            case ConfigScalar scalar:
                if (scalar.Text.Trim().Length > 0)
                {
                    paths.Add(scalar.Text);
                }

                break;
            case ConfigSequence:
                foreach (var item in r.StringList(root, "", "roles_path") ?? [])
                {
                    if (item.Trim().Length > 0)
                    {
                        paths.Add(item);
                    }
                }

                break;
            default:
                r.Error("roles_path", $"must be a path or a list of paths; got {node.KindName}", node);
                break;
        }

        if (paths.Count == 0 && !string.IsNullOrWhiteSpace(inputs.RolesEnvironment))
        {
            paths.AddRange(inputs.RolesEnvironment.Split(Path.PathSeparator,
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return [.. paths];
    }

    private static RoutingConfig ReadRouting(ConfigReader r, ConfigMapping? routing)
    {
        const string P = "routing";
        if (routing is not null)
        {
            r.CheckKnownKeys(routing, P, "health_stale_after_s", "default_strategy", "probe_interval_s", "probe_timeout_s",
                "upstream_idle_timeout_s", "stream_first_byte_timeout_s");
        }

        var defaults = new RoutingConfig();
        var strategy = r.String(routing, P, "default_strategy")?.Trim();
        if (strategy is not null && Array.IndexOf(KnownStrategies, strategy) < 0)
        {
            r.Warning("routing.default_strategy",
                $"unknown strategy \"{strategy}\"; using scored (known: {string.Join(", ", KnownStrategies)})", routing?["default_strategy"]);
            strategy = Strategies.Scored;
        }

        return new RoutingConfig
        {
            HealthStaleAfterSeconds = r.Number(routing, P, "health_stale_after_s", 0, minExclusive: true) ?? defaults.HealthStaleAfterSeconds,
            DefaultStrategy = strategy ?? defaults.DefaultStrategy,
            ProbeIntervalSeconds = r.Number(routing, P, "probe_interval_s") ?? defaults.ProbeIntervalSeconds,
            ProbeTimeoutSeconds = r.Number(routing, P, "probe_timeout_s", 0, minExclusive: true) ?? defaults.ProbeTimeoutSeconds,
            UpstreamIdleTimeoutSeconds = r.Number(routing, P, "upstream_idle_timeout_s", 0, minExclusive: true) ?? defaults.UpstreamIdleTimeoutSeconds,
            StreamFirstByteTimeoutSeconds = r.Number(routing, P, "stream_first_byte_timeout_s", 0, minExclusive: true) ?? defaults.StreamFirstByteTimeoutSeconds,
        };
    }

    private static LimitsConfig ReadLimits(ConfigReader r, ConfigMapping? limits)
    {
        const string P = "limits";
        if (limits is not null)
        {
            r.CheckKnownKeys(limits, P, "max_sse_event_bytes", "max_upstream_body_bytes", "max_json_body_bytes", "max_multipart_body_bytes");
        }

        var defaults = new LimitsConfig();
        return new LimitsConfig
        {
            MaxSseEventBytes = r.Integer(limits, P, "max_sse_event_bytes", 1) ?? defaults.MaxSseEventBytes,
            MaxUpstreamBodyBytes = r.Integer(limits, P, "max_upstream_body_bytes", 1) ?? defaults.MaxUpstreamBodyBytes,
            MaxJsonBodyBytes = r.Integer(limits, P, "max_json_body_bytes", 1) ?? defaults.MaxJsonBodyBytes,
            MaxMultipartBodyBytes = r.Integer(limits, P, "max_multipart_body_bytes", 1) ?? defaults.MaxMultipartBodyBytes,
        };
    }
}
