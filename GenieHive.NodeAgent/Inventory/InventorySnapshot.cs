using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>What the background loop last found: host resources and the configured services' reports.</summary>
internal sealed record InventorySnapshot(HostResources Resources, IReadOnlyList<ServiceReport> Services);
