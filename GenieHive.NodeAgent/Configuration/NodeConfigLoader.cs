using System.Text.Json.Nodes;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// Reads and validates the node YAML in one pass (config.md §2, §5): every finding is collected, nothing throws.
/// </summary>
internal static partial class NodeConfigLoader
{
    private static readonly string[] Kinds = ["chat", "embeddings", "transcription"];
    private static readonly string[] Availabilities = ["available", "busy", "draining", "paused_by_user", "offline", "quarantined"];
    private static readonly string[] Positions = ["prepend", "append", "replace"];
    private static readonly string[] DiscoverProtocols = ["ollama", "openai"];
    private static readonly string[] FailureModes = ["status", "reset", "mid_stream"];
    private static readonly string[] StringRuntimeKeys = ["engine", "launcher", "provider_id"];
    private static readonly string[] IntegerRuntimeKeys = ["context_size", "max_context_tokens"];

    /// <param name="path">The YAML path (relative to the working directory), or null for a node with defaults.</param>
    /// <param name="isDevelopment">Whether placeholder keys beyond loopback are only a warning (security.md §2).</param>
    public static NodeConfigResult Load(string? path, bool isDevelopment = false)
    {
        if (string.IsNullOrEmpty(path))
        {
            return new NodeConfigResult(NodeConfig.Defaults, []);
        }

        var findings = new List<ConfigFinding>();
        string text;
        try
        {
            text = File.ReadAllText(Path.GetFullPath(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : "cannot read: " + ex.Message;
            findings.Add(new ConfigFinding(FindingSeverity.Error, path, ConfigPath.Root, reason));
            return new NodeConfigResult(null, findings);
        }

        return Parse(text, path, findings, isDevelopment);
    }

    public static NodeConfigResult Parse(string text, string file, bool isDevelopment = false) =>
        Parse(text, file, [], isDevelopment);

    private static NodeConfigResult Parse(string text, string file, List<ConfigFinding> findings, bool isDevelopment)
    {
        var root = YamlDocumentParser.Parse(text, file, findings);
        if (findings.Any(f => f.Severity == FindingSeverity.Error))
        {
            return new NodeConfigResult(null, findings);
        }

        var reader = new ConfigReader(file, findings);
        if (root is not null and not YamlMappingValue)
        {
            reader.Error(ConfigPath.Root, "must be a YAML mapping", root);
            return new NodeConfigResult(null, findings);
        }

        var top = reader.Map(root, ConfigPath.Root);
        var node = ReadNode(top.Section("node"));
        var controlPlane = ReadControlPlane(top.Section("control_plane"), node, isDevelopment);
        var inventory = ReadInventory(top.Section("inventory"));
        var managed = ReadManagedRuntimes(top.Section("managed_runtimes"));
        var limits = top.Section("limits");
        var maxJson = limits.Long("max_json_body_bytes", NodeConfig.DefaultMaxJsonBodyBytes, 1) ?? NodeConfig.DefaultMaxJsonBodyBytes;
        // One upload is read into one array: at most Array.MaxLength bytes.
        var maxMultipart = limits.Long("max_multipart_body_bytes", NodeConfig.DefaultMaxMultipartBodyBytes, 1, Array.MaxLength) ?? NodeConfig.DefaultMaxMultipartBodyBytes;
        limits.Finish();

        var serviceIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var services = new List<ServiceConfig>();
        foreach (var (item, path) in top.List("services"))
        {
            if (ReadService(reader.Map(item, path), node, serviceIds) is { } service)
            {
                services.Add(service);
            }
        }

        var simulated = new List<SimulatedServerConfig>();
        var simulatedIds = new HashSet<string>(StringComparer.Ordinal);
        var ports = new Dictionary<int, string>();
        foreach (var (item, path) in top.List("simulated"))
        {
            if (ReadSimulated(reader.Map(item, path), node, serviceIds, simulatedIds, ports) is { } server)
            {
                simulated.Add(server);
            }
        }

        var runtimes = new List<RuntimeConfig>();
        var runtimeIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (item, path) in top.List("runtimes"))
        {
            if (ReadRuntimeEntry(reader.Map(item, path), runtimeIds) is { } runtime)
            {
                runtimes.Add(runtime);
            }
        }

        var budget = ReadRuntimeBudget(top.Section("runtime_budget"));
        top.Finish();
        if (findings.Any(f => f.Severity == FindingSeverity.Error))
        {
            return new NodeConfigResult(null, findings);
        }

        return new NodeConfigResult(
            new NodeConfig(file, node, controlPlane, inventory, managed, maxJson, services, simulated, runtimes) { RuntimeBudget = budget, MaxMultipartBodyBytes = maxMultipart }, findings);
    }

    private static NodeIdentityConfig ReadNode(MapReader map)
    {
        var hostId = map.String("host_id", "node-1") ?? "node-1";
        if (hostId.Length == 0)
        {
            map.Reader.Error(map.PathOf("host_id"), "must not be empty", map.At("host_id"));
        }
        else if (hostId == "node-1")
        {
            map.Reader.Warning(map.PathOf("host_id"), "the default \"node-1\" is kept; host ids must be unique per cluster", map.At("host_id"));
        }

        var identity = new NodeIdentityConfig(
            hostId,
            map.String("display_name"),
            map.String("listen_host", "127.0.0.1") ?? "127.0.0.1",
            map.Int("listen_port", 8891, 0, 65535) ?? 8891,
            map.String("address"),
            map.StringMap("labels"));
        if (identity.Address is null && ListenAddress.IsWildcard(identity.ListenHost))
        {
            map.Reader.Warning(map.PathOf("address"),
                $"not set while listen_host is the wildcard \"{identity.ListenHost}\"; the control plane cannot reach that address",
                map.Node);
        }

        map.Finish();
        return identity;
    }

    private static ControlPlaneConfig ReadControlPlane(MapReader map, NodeIdentityConfig node, bool isDevelopment)
    {
        var baseUrl = map.String("base_url");
        if (baseUrl is not null && !IsHttpUrl(baseUrl))
        {
            map.Reader.Error(map.PathOf("base_url"), $"must be an absolute http(s) URL; got \"{baseUrl}\"", map.At("base_url"));
            baseUrl = null;
        }

        var key = map.String("node_api_key");
        if (key is not null)
        {
            CheckKeyHygiene(map, key, node, isDevelopment);
        }

        var heartbeat = map.Number("heartbeat_interval_s", 5, min: 0) ?? 5;
        if (heartbeat < 0.1)
        {
            map.Reader.Warning(map.PathOf("heartbeat_interval_s"), "below 0.1 s; using 0.1", map.At("heartbeat_interval_s"));
            heartbeat = 0.1;
        }

        var discovery = map.Number("discovery_interval_s", 15, above: 0) ?? 15;
        map.Finish();
        return new ControlPlaneConfig(baseUrl?.TrimEnd('/'), string.IsNullOrEmpty(key) ? null : key, heartbeat, discovery);
    }

    private static void CheckKeyHygiene(MapReader map, string key, NodeIdentityConfig node, bool isDevelopment)
    {
        var path = map.PathOf("node_api_key");
        var at = map.At("node_api_key");
        if (key.Length == 0)
        {
            map.Reader.Warning(path, "empty; treated as unset", at);
        }
        else if (key.StartsWith("change-me-", StringComparison.Ordinal))
        {
            if (ListenAddress.IsLoopback(node.ListenHost) || isDevelopment)
            {
                map.Reader.Warning(path, "is a placeholder key; set a long random key", at);
            }
            else
            {
                map.Reader.Error(path, "is a placeholder key while listening beyond loopback (D19); set a long random key", at);
            }
        }
        else if (key.Length < 16)
        {
            map.Reader.Warning(path, "is shorter than 16 characters", at);
        }
    }

    private static InventoryConfig ReadInventory(MapReader map)
    {
        var roots = map.StringList("model_roots");
        for (var i = 0; i < roots.Count; i++)
        {
            if (!Directory.Exists(Path.GetFullPath(roots[i])))
            {
                map.Reader.Warning(ConfigPath.Index(map.PathOf("model_roots"), i), $"folder \"{roots[i]}\" does not exist; skipped",
                    map.At("model_roots"));
            }
        }

        List<GpuInfo>? gpus = null;
        if (map.Has("gpus"))
        {
            gpus = [];
            foreach (var (item, path) in map.List("gpus"))
            {
                var gpu = map.Reader.Map(item, path);
                gpus.Add(new GpuInfo(
                    gpu.String("gpu_id", $"cuda:{gpus.Count}") ?? $"cuda:{gpus.Count}",
                    gpu.RequiredString("name"),
                    gpu.Number("vram_gb", null, min: 0),
                    gpu.Long("vram_total_bytes", null, 0),
                    gpu.Long("vram_used_bytes", null, 0)));
                gpu.Finish();
            }
        }

        var inventory = new InventoryConfig(
            roots,
            map.Bool("host_discovery", true),
            map.Int("cpu_threads", null, 1),
            map.Number("ram_gb", null, min: 0),
            gpus,
            map.String("trust_tier"),
            map.String("device_class"),
            map.StringList("workload_classes"),
            map.StringList("allowed_model_families"),
            map.Number("max_contribution_ram_gb", null, min: 0),
            map.Number("thermal_ceiling_c", null),
            map.Bool("idle_only", false),
            map.Bool("ac_power_only", false),
            map.BoolMap("capabilities"));
        map.Finish();
        return inventory;
    }

    private static ManagedRuntimesConfig ReadManagedRuntimes(MapReader map)
    {
        var enabled = map.Bool("enabled", false);
        if (enabled)
        {
            map.Reader.Warning(map.PathOf("enabled"), "has no effect in this GenieHive; use runtimes:", map.At("enabled"));
        }

        var config = new ManagedRuntimesConfig(enabled, map.String("llama_server_bin"));
        map.Finish();
        return config;
    }

    private static ServiceConfig? ReadService(MapReader map, NodeIdentityConfig node, Dictionary<string, string> serviceIds)
    {
        var serviceId = map.RequiredString("service_id");
        if (serviceId.Length > 0 && !serviceIds.TryAdd(serviceId, map.Path))
        {
            map.Reader.Error(map.PathOf("service_id"), $"\"{serviceId}\" is also used by {serviceIds[serviceId]}", map.At("service_id"));
        }

        var kind = map.OneOf("kind", "chat", Kinds, required: true) ?? "chat";
        var protocol = map.String("protocol", "openai") ?? "openai";
        var endpoint = map.String("endpoint");
        var configured = endpoint is not null;
        if (endpoint is not null && !IsHttpUrl(endpoint))
        {
            map.Reader.Error(map.PathOf("endpoint"), $"must be an absolute http(s) URL; got \"{endpoint}\"", map.At("endpoint"));
        }
        else if (endpoint is null)
        {
            endpoint = $"http://{node.ListenHost}:{node.ListenPort}";
            map.Reader.Warning(map.PathOf("endpoint"), $"not set; using the agent's own address {endpoint}", map.Node);
        }

        var runtime = ReadRuntime(map);
        var assets = ReadAssets(map);
        var state = ReadState(map.Section("state"));
        var observed = ReadObserved(map.Section("observed"));
        var discover = map.OneOf("discover_protocol", null, DiscoverProtocols, warnOnly: true);
        var healthCheck = map.Bool("health_check", true);
        map.Finish();
        return new ServiceConfig(serviceId, kind, protocol, endpoint.TrimEnd('/'), configured, runtime, assets, state, observed,
            discover, healthCheck);
    }

    private static JsonObject ReadRuntime(MapReader map)
    {
        var runtime = map.FreeMap("runtime", scalarsOnly: true);
        foreach (var key in StringRuntimeKeys)
        {
            // Sent as strings, as the Python GenieHive's control plane requires (api.md §3.1): `launcher: 7` → "7".
            if (runtime[key] is JsonValue value && value.GetValueKind() is not System.Text.Json.JsonValueKind.String)
            {
                runtime[key] = JsonValue.Create(value.ToJsonString());
            }
        }

        foreach (var key in IntegerRuntimeKeys)
        {
            if (runtime[key] is JsonValue value && value.TryGetValue<string>(out var digits))
            {
                if (long.TryParse(digits, out var number))
                {
                    runtime[key] = number;
                }
                else
                {
                    map.Reader.Error(ConfigPath.Child(map.PathOf("runtime"), key), $"must be an integer; got \"{digits}\"", map.At("runtime"));
                }
            }
        }

        return runtime;
    }

    private static List<Asset> ReadAssets(MapReader map)
    {
        var assets = new List<Asset>();
        foreach (var (item, path) in map.List("assets"))
        {
            var asset = map.Reader.Map(item, path);
            var id = asset.RequiredString("asset_id");
            RequestPolicy? policy = null;
            if (asset.Has("request_policy"))
            {
                var p = asset.Section("request_policy");
                policy = new RequestPolicy(p.FreeMap("body_defaults"), p.String("system_prompt"),
                    p.OneOf("system_prompt_position", "prepend", Positions) ?? "prepend");
                p.Finish();
            }

            var parsed = new Asset(id, asset.Bool("loaded", false), asset.Int("context_size", null, 0),
                asset.Int("max_context_tokens", null, 0), asset.String("family"), policy);
            asset.Finish();
            if (assets.Any(a => a.AssetId == id))
            {
                map.Reader.Warning(ConfigPath.Child(path, "asset_id"), $"\"{id}\" repeats an earlier asset; the first is kept", asset.At("asset_id"));
                continue;
            }

            assets.Add(parsed);
        }

        return assets;
    }

    private static ServiceState ReadState(MapReader map)
    {
        var state = new ServiceState(
            map.String("health"),
            map.String("load_state"),
            map.OneOf("availability", "available", Availabilities) ?? "available",
            map.Bool("accept_requests", true),
            map.Bool("allow_employee_direct_requests", false));
        map.Finish();
        return state;
    }

    private static ServiceObserved ReadObserved(MapReader map)
    {
        var observed = new ServiceObserved(
            map.Number("p50_latency_ms", null),
            map.Number("p95_latency_ms", null),
            map.Number("tokens_per_sec", null),
            map.Long("queue_depth", null),
            map.Long("in_flight", null),
            map.Long("loaded_model_count", null),
            map.Long("vram_used_bytes", null),
            map.Long("max_context_tokens", null));
        map.Finish();
        return observed;
    }

    private static SimulatedServerConfig? ReadSimulated(MapReader map, NodeIdentityConfig node, Dictionary<string, string> serviceIds,
        HashSet<string> simulatedIds, Dictionary<int, string> ports)
    {
        var id = map.RequiredString("id");
        if (id.Length > 0 && !simulatedIds.Add(id))
        {
            map.Reader.Error(map.PathOf("id"), $"\"{id}\" repeats another simulated id", map.At("id"));
        }

        var kind = map.OneOf("kind", "chat", Kinds, required: true) ?? "chat";
        var serviceId = map.String("service_id") ?? $"{node.HostId}/{kind}/{id}";
        if (!serviceIds.TryAdd(serviceId, map.Path))
        {
            map.Reader.Error(map.PathOf("service_id"), $"\"{serviceId}\" is also used by {serviceIds[serviceId]}", map.At("service_id"));
        }

        var models = new List<SimulatedModelConfig>();
        if (map.Has("models"))
        {
            foreach (var (item, path) in map.List("models"))
            {
                if (item is YamlScalarValue scalar)
                {
                    models.Add(new SimulatedModelConfig(scalar.Text, null, null, true));
                    continue;
                }

                var model = map.Reader.Map(item, path);
                models.Add(new SimulatedModelConfig(model.RequiredString("id"), model.Int("context", null, 1), model.String("family"),
                    model.Bool("loaded", true)));
                model.Finish();
            }
        }
        else
        {
            models.Add(new SimulatedModelConfig(id, null, null, true));
        }

        var port = map.Int("port", 0, 0, 65535) ?? 0;
        if (port != 0 && !ports.TryAdd(port, map.Path))
        {
            map.Reader.Error(map.PathOf("port"), $"{port} is also used by {ports[port]}", map.At("port"));
        }

        var config = new SimulatedServerConfig(
            id,
            serviceId,
            kind,
            models,
            map.String("listen_host", "127.0.0.1") ?? "127.0.0.1",
            port,
            map.Number("ttft_ms", 50, min: 0) ?? 50,
            map.Number("jitter_ms", 0, min: 0) ?? 0,
            map.Number("tokens_per_s", 100, min: 0) ?? 100,
            map.Int("completion_tokens", 32, 1) ?? 32,
            map.Int("dimensions", 384, 1, 65536) ?? 384,
            map.String("transcript", "This is a simulated transcription.") ?? "This is a simulated transcription.",
            map.Number("failure_rate", 0, min: 0, max: 1) ?? 0,
            map.OneOf("failure_mode", "status", FailureModes) ?? "status",
            map.Int("failure_status", 500, 400, 599) ?? 500,
            map.Bool("killed", false),
            map.Int("seed", null));
        map.Finish();
        return config;
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
