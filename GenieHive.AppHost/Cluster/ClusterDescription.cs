using Microsoft.Extensions.Configuration;

namespace GenieHive.AppHost.Cluster;

/// <summary>
/// The local cluster, bound from the AppHost's <c>GenieHive:Cluster</c> configuration section (appsettings.json,
/// overridable from the command line and environment). The AppHost, its tests and the manifest all read this one
/// description, so they cannot drift.
/// </summary>
internal sealed class ClusterDescription
{
    public const string SectionName = "GenieHive:Cluster";

    /// <summary>The control plane's stable client URL; a loopback http URL with an explicit port.</summary>
    public string ControlUrl { get; init; } = "http://127.0.0.1:8800";

    /// <summary>
    /// Put Aspire's endpoint proxy in front of the control plane's stable URL (default false: the control plane
    /// listens on it itself, which saves a hop per request; see docs/deployment.md for the measured cost).
    /// </summary>
    public bool ProxyControlEndpoint { get; init; }

    /// <summary>Rendered YAML and the SQLite file; relative paths resolve against the AppHost project folder.</summary>
    public string StateDirectory { get; init; } = ".state";

    /// <summary><c>routing.default_strategy</c> of the control plane.</summary>
    public string Strategy { get; init; } = "scored";

    public double HealthStaleAfterSeconds { get; init; } = 10;

    public List<NodeDescription> Nodes { get; init; } = [];

    public List<RoleDescription> Roles { get; init; } = [];

    /// <summary>Further role catalogs (YAML files) loaded after the inline roles.</summary>
    public List<string> RolesPaths { get; init; } = [];

    public OllamaDescription Ollama { get; init; } = new();

    public static ClusterDescription Bind(IConfiguration configuration)
    {
        var description = configuration.GetSection(SectionName).Get<ClusterDescription>() ?? new ClusterDescription();
        var errors = ClusterValidator.Validate(description);
        if (errors.Count > 0)
        {
            throw new ClusterDescriptionException(errors);
        }

        return description;
    }

    public Uri ControlUri => new(ControlUrl);
}

internal sealed class NodeDescription
{
    /// <summary>Aspire resource name (lower-case letters, digits and '-').</summary>
    public string Name { get; init; } = "";

    public string? HostId { get; init; }

    public string? DisplayName { get; init; }

    public string? DeviceClass { get; init; }

    public string? TrustTier { get; init; }

    public Dictionary<string, string> Labels { get; init; } = [];

    public double HeartbeatIntervalSeconds { get; init; } = 2;

    public double DiscoveryIntervalSeconds { get; init; } = 5;

    public List<SimulatedDescription> Simulated { get; init; } = [];

    /// <summary>Model servers already running on this machine (Ollama, llama.cpp server, vLLM...).</summary>
    public List<UpstreamDescription> Upstreams { get; init; } = [];

    /// <summary>Models the node agent serves itself (the node YAML's <c>runtimes:</c>, docs/runtimes.md).</summary>
    public List<RuntimeDescription> Runtimes { get; init; } = [];

    public string EffectiveHostId => string.IsNullOrWhiteSpace(HostId) ? Name : HostId;
}

internal sealed class SimulatedDescription
{
    public string Id { get; init; } = "";

    public string Kind { get; init; } = "";

    public List<SimulatedModelDescription> Models { get; init; } = [];

    public double TtftMs { get; init; } = 50;

    public double TokensPerS { get; init; } = 100;

    public double JitterMs { get; init; }

    public int CompletionTokens { get; init; } = 32;

    public int Dimensions { get; init; } = 384;

    public double FailureRate { get; init; }

    public string? Transcript { get; init; }
}

internal sealed class SimulatedModelDescription
{
    public string Id { get; init; } = "";

    public int? Context { get; init; }

    public string? Family { get; init; }
}

internal sealed class RuntimeDescription
{
    public string Id { get; init; } = "";

    /// <summary>
    /// <c>minilm</c> (built-in all-MiniLM-L6-v2 embeddings), <c>llamacpp</c> (the GGUF files of <see cref="Paths"/>) or
    /// <c>whisper</c> (the whisper.cpp ggml models of <see cref="Paths"/>).
    /// </summary>
    public string Engine { get; init; } = "";

    /// <summary>Model files or folders; relative paths resolve against the AppHost project folder.</summary>
    public List<string> Paths { get; init; } = [];

    public int Parallel { get; init; } = 1;

    public int Queue { get; init; } = 8;

    public int? Context { get; init; }

    public int? Threads { get; init; }

    public bool Preload { get; init; }
}

internal sealed class UpstreamDescription
{
    public string? ServiceId { get; init; }

    public string Kind { get; init; } = "chat";

    public string Endpoint { get; init; } = "";

    /// <summary><c>ollama</c>, <c>openai</c> or null.</summary>
    public string? DiscoverProtocol { get; init; }

    /// <summary>Assets to register before discovery fills them in.</summary>
    public List<string> Models { get; init; } = [];
}

internal sealed class RoleDescription
{
    public string RoleId { get; init; } = "";

    public string Operation { get; init; } = "";

    public string Modality { get; init; } = "text";

    public string? DisplayName { get; init; }

    public string? Description { get; init; }

    public string? SystemPrompt { get; init; }

    public string? UserTemplate { get; init; }

    public List<string> PreferredFamilies { get; init; } = [];

    public bool RequireLoaded { get; init; }

    public List<string> AllowedDeviceClasses { get; init; } = [];

    public List<string> FallbackRoles { get; init; } = [];

    public int? MinContext { get; init; }
}

/// <summary>An optional Ollama container; needs a container engine, so it is off by default.</summary>
internal sealed class OllamaDescription
{
    public bool Enabled { get; init; }

    /// <summary>The node whose agent registers the container as a service.</summary>
    public string? Node { get; init; }

    public string Image { get; init; } = "ollama/ollama";

    public string Tag { get; init; } = "latest";

    public string VolumeName { get; init; } = "geniehive-ollama-models";
}

internal sealed class ClusterDescriptionException(IReadOnlyList<string> errors)
    : Exception("Invalid GenieHive:Cluster description:" + Environment.NewLine + string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
