using System.Collections.Immutable;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Config;

/// <summary>The control YAML (config.md §1) after loading and validation. Immutable.</summary>
public sealed record ControlConfig
{
    /// <summary>Path of the YAML it came from, or null for defaults.</summary>
    public string? SourcePath { get; init; }

    public string DeploymentProfile { get; init; } = "casual";

    public ServerConfig Server { get; init; } = new();

    public AuthConfig Auth { get; init; } = new();

    public StorageConfig Storage { get; init; } = new();

    /// <summary>Catalog paths after <c>GENIEHIVE_ROLES_CONFIG</c> fallback, in merge order (D13).</summary>
    public ImmutableArray<string> RolesPaths { get; init; } = [];

    public RoutingConfig Routing { get; init; } = new();

    public LimitsConfig Limits { get; init; } = new();

    public ImmutableArray<string> CorsAllowedOrigins { get; init; } = [];

    /// <summary>Later-milestone keys (config.md §1.2), parsed and validated but not enforced yet.</summary>
    public GovernanceConfig Governance { get; init; } = new();
}

public sealed record ServerConfig
{
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 8800;
}

public sealed record AuthConfig
{
    public ImmutableArray<string> ClientApiKeys { get; init; } = [];

    public ImmutableArray<string> NodeApiKeys { get; init; } = [];

    public bool AllowOpenNodeRoutes { get; init; }
}

public sealed record StorageConfig
{
    /// <summary><c>:memory:</c> = not persisted (tests).</summary>
    public string SqlitePath { get; init; } = "state/geniehive.sqlite3";
}

public sealed record RoutingConfig
{
    public double HealthStaleAfterSeconds { get; init; } = 30;

    public string DefaultStrategy { get; init; } = Strategies.Scored;

    /// <summary>&gt; 0: active probing period in seconds; else off.</summary>
    public double ProbeIntervalSeconds { get; init; }

    public double ProbeTimeoutSeconds { get; init; } = 5;

    public double UpstreamIdleTimeoutSeconds { get; init; } = 600;

    public double StreamFirstByteTimeoutSeconds { get; init; } = 120;
}

public sealed record LimitsConfig
{
    public long MaxSseEventBytes { get; init; } = 1 << 20;

    public long MaxUpstreamBodyBytes { get; init; } = 64L << 20;

    public long MaxJsonBodyBytes { get; init; } = 16L << 20;

    public long MaxMultipartBodyBytes { get; init; } = 128L << 20;
}
