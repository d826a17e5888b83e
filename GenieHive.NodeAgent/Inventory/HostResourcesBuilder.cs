using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>Host <c>resources</c>: discovered values with the YAML's set values winning (N2, config.md §2.2).</summary>
internal static class HostResourcesBuilder
{
    public static HostResources Build(InventoryConfig inventory, int? cpuThreads, double? ramGb, IReadOnlyList<GpuInfo>? gpus,
        IReadOnlyList<DiscoveredModel> models) =>
        new(
            inventory.CpuThreads ?? cpuThreads,
            inventory.RamGb ?? ramGb,
            inventory.TrustTier,
            inventory.DeviceClass,
            inventory.Gpus ?? gpus,
            models,
            new ContributionPolicy(inventory.MaxContributionRamGb, inventory.IdleOnly, inventory.AcPowerOnly, inventory.ThermalCeilingC,
                inventory.AllowedModelFamilies, inventory.WorkloadClasses));
}
