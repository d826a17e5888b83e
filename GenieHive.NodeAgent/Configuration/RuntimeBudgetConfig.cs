namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// <c>runtime_budget</c> (docs/runtimes.md "Memory budget"): the memory the node's served models may take together.
/// </summary>
/// <param name="RamBytes">For <c>device: cpu</c> models; null = 75 % of the memory the process can see.</param>
/// <param name="VramBytes">For <c>device: gpu</c> models; null = not budgeted.</param>
internal sealed record RuntimeBudgetConfig(long? RamBytes, long? VramBytes)
{
    public static RuntimeBudgetConfig Default { get; } = new(null, null);

    /// <summary>The RAM budget in effect: the configured one, else 75 % of the physical (or cgroup) memory.</summary>
    public long EffectiveRamBytes => RamBytes ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * 0.75);
}
