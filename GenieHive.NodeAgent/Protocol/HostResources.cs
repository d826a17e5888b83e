using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Protocol;

/// <summary>The host's <c>resources</c> (api.md §3.1): discovered values with YAML overrides applied.</summary>
internal sealed record HostResources(
    int? CpuThreads,
    double? RamGb,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TrustTier,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceClass,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<GpuInfo>? Gpus,
    IReadOnlyList<DiscoveredModel> DiscoveredModels,
    ContributionPolicy ContributionPolicy);
