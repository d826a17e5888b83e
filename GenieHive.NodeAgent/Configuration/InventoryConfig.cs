using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Configuration;

/// <summary><c>inventory:</c> (config.md §2.2); a set value beats the discovered one (N2).</summary>
internal sealed record InventoryConfig(
    IReadOnlyList<string> ModelRoots,
    bool HostDiscovery,
    int? CpuThreads,
    double? RamGb,
    IReadOnlyList<GpuInfo>? Gpus,
    string? TrustTier,
    string? DeviceClass,
    IReadOnlyList<string> WorkloadClasses,
    IReadOnlyList<string> AllowedModelFamilies,
    double? MaxContributionRamGb,
    double? ThermalCeilingC,
    bool IdleOnly,
    bool AcPowerOnly,
    IReadOnlyDictionary<string, bool> Capabilities)
{
    public static InventoryConfig Empty { get; } = new(
        [], true, null, null, null, null, null, [], [], null, null, false, false, new Dictionary<string, bool>());
}
