using System.Collections.Immutable;
using System.Text.Json;

namespace GenieHive.Control.Registry;

/// <summary>A validated registration (api.md §3.1), ready for the registry writer.</summary>
/// <param name="Services">The host's services; <c>created_at</c>/<c>updated_at</c> are set by the writer.</param>
public sealed record HostReport(
    string HostId,
    string? DisplayName,
    string Address,
    JsonElement Labels,
    JsonElement Capabilities,
    JsonElement Resources,
    string? InstanceId,
    string? AgentUrl,
    ImmutableArray<ServiceRecord> Services);
