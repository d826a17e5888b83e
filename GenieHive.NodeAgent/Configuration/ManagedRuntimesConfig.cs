namespace GenieHive.NodeAgent.Configuration;

/// <summary>The Python GenieHive's <c>managed_runtimes:</c>: parsed, no effect (config.md §2.1).</summary>
internal sealed record ManagedRuntimesConfig(bool Enabled, string? LlamaServerBin);
