using System.Text.Json;

namespace GenieHive.Control.Registry;

/// <summary>A registered host as the registry stores it (config.md §6 <c>hosts</c>). Immutable; part of a snapshot.</summary>
/// <param name="Labels">JSON object, string → string.</param>
/// <param name="Capabilities">JSON object.</param>
/// <param name="Resources">JSON object (cpu_threads, ram_gb, gpus, trust_tier, contribution_policy, ...).</param>
/// <param name="Metrics">JSON object, replaced by each heartbeat.</param>
/// <param name="ReportedState">What the node last sent in <c>status.state</c> (<c>online</c>, <c>offline</c>, <c>draining</c>...).</param>
/// <param name="LastSeen">Unix seconds, control-plane clock.</param>
/// <param name="NodeKeyDigest">Lower-case hex SHA-256 of the node key that first registered the host (D19), or null in open mode.</param>
public sealed record HostRecord(
    string HostId,
    string? DisplayName,
    string Address,
    JsonElement Labels,
    JsonElement Capabilities,
    JsonElement Resources,
    JsonElement Metrics,
    string ReportedState,
    double LastSeen,
    string? NodeKeyDigest,
    string? InstanceId,
    string? AgentUrl);
