using System.Collections.Immutable;
using System.Text.Json;

namespace GenieHive.Control.Registry;

/// <summary>A validated heartbeat (api.md §3.2).</summary>
/// <param name="Resources">Replaces the host's resources when present.</param>
/// <param name="Services">Null or empty: the host's services are kept; else they are replaced.</param>
public sealed record HeartbeatReport(
    string HostId,
    string? InstanceId,
    string ReportedState,
    JsonElement Metrics,
    JsonElement? Resources,
    ImmutableArray<ServiceRecord> Services);
