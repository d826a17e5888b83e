namespace GenieHive.NodeAgent.Protocol;

/// <summary><c>resources.contribution_policy</c>: always all six keys (config.md §2.2).</summary>
internal sealed record ContributionPolicy(
    double? MaxRamGb,
    bool IdleOnly,
    bool AcPowerOnly,
    double? ThermalCeilingC,
    IReadOnlyList<string> AllowedModelFamilies,
    IReadOnlyList<string> WorkloadClasses);
