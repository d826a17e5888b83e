namespace GenieHive.NodeAgent.Configuration;

/// <summary>The node YAML (config.md §2), read once at start; immutable.</summary>
internal sealed record NodeConfig(
    string SourceFile,
    NodeIdentityConfig Node,
    ControlPlaneConfig ControlPlane,
    InventoryConfig Inventory,
    ManagedRuntimesConfig ManagedRuntimes,
    long MaxJsonBodyBytes,
    IReadOnlyList<ServiceConfig> Services,
    IReadOnlyList<SimulatedServerConfig> Simulated,
    IReadOnlyList<RuntimeConfig> Runtimes)
{
    public const long DefaultMaxJsonBodyBytes = 16 * 1024 * 1024;
    public const long DefaultMaxMultipartBodyBytes = 128 * 1024 * 1024;

    /// <summary><c>limits.max_multipart_body_bytes</c>: the largest upload a runtime's <c>/v1/audio/transcriptions</c> takes.</summary>
    public long MaxMultipartBodyBytes { get; init; } = DefaultMaxMultipartBodyBytes;

    /// <summary><c>runtime_budget</c> (docs/runtimes.md).</summary>
    public RuntimeBudgetConfig RuntimeBudget { get; init; } = RuntimeBudgetConfig.Default;

    /// <summary>A node without a file: defaults only.</summary>
    public static NodeConfig Defaults { get; } = new(
        "(none)",
        new NodeIdentityConfig("node-1", null, "127.0.0.1", 8891, null, new Dictionary<string, string>()),
        new ControlPlaneConfig(null, null, 5, 15),
        InventoryConfig.Empty,
        new ManagedRuntimesConfig(false, null),
        DefaultMaxJsonBodyBytes,
        [],
        [],
        []);
}
