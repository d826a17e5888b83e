using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The CPUs that <c>runtimes[].cpus</c> names are reserved for those models (docs/runtimes.md "CPU pinning"): the agent
/// moves its own process off them, so that its relays' and heartbeats' wake-ups run elsewhere, and so does every
/// process it starts later without a <c>cpus</c> of its own (a new process inherits its parent's CPUs). The runtime
/// hosts of pinned entries are started on theirs (<see cref="CpuAffinity.StartedOn"/>) and pin every thread they
/// have: the kernel lets a process choose any CPU its cgroup allows, whatever its parent's were.
/// </summary>
internal static class CpuReservation
{
    /// <param name="AgentCpus">The CPUs the agent moves to; null = it stays where it is.</param>
    /// <param name="Reserved">Every CPU some entry names.</param>
    /// <param name="Warning">Why the agent stays although CPUs are reserved.</param>
    public sealed record Plan(int[]? AgentCpus, int[] Reserved, string? Warning);

    /// <summary>
    /// How many CPUs the agent moved to; null when it did not move. The default <c>threads</c> of what it starts
    /// without <c>cpus</c> (the .NET runtime counted the CPUs before the move; ONNX Runtime would count the machine's).
    /// </summary>
    public static int? AgentCpuCount { get; private set; }

    /// <summary>What the agent does, given the CPUs it may run on now: pure, for the tests.</summary>
    public static Plan For(IReadOnlyList<int> available, IEnumerable<RuntimeConfig> runtimes)
    {
        int[] reserved = [.. runtimes.Where(r => r.Cpus is not null).SelectMany(r => r.Cpus!).Distinct().Order()];
        if (reserved.Length == 0)
        {
            return new Plan(null, reserved, null);
        }

        int[] rest = [.. available.Except(reserved).Order()];
        if (rest.Length == 0)
        {
            return new Plan(null, reserved,
                $"runtimes[].cpus reserve every CPU the agent may use ({CpuList.Format(available)}): the agent, and the runtimes without cpus, share them with the pinned models");
        }

        // Nothing to leave: the reserved CPUs were never the agent's (a cgroup or taskset gave it others).
        return rest.Length == available.Count ? new Plan(null, reserved, null) : new Plan(rest, reserved, null);
    }

    /// <summary>
    /// Moves this process off the reserved CPUs. Only the agent's own <c>Program.Main</c> calls it: an agent built
    /// inside another process (the tests) must not pin that process.
    /// </summary>
    public static void Apply(WebApplication app)
    {
        var config = app.Services.GetRequiredService<NodeConfig>();
        if (!OperatingSystem.IsLinux() || config.Runtimes.All(r => r.Cpus is null))
        {
            return;
        }

        if (CpuAffinity.Available() is not { } available)
        {
            app.Logger.CpusShared("the agent's CPUs cannot be read (sched_getaffinity): it stays where it is");
            return;
        }

        var plan = For(available, config.Runtimes);
        if (plan.Warning is { } warning)
        {
            app.Logger.CpusShared(warning);
            return;
        }

        if (plan.AgentCpus is not { } cpus)
        {
            return;
        }

        string? failure;
        try
        {
            failure = CpuAffinity.PinProcess(cpus);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            failure = $"/proc/self/task: {ex.Message}";
        }

        if (failure is not null)
        {
            // Some threads may have moved before the failure: a new thread then inherits whichever CPUs its creator has.
            app.Logger.CpusShared($"the agent could not move to CPUs {CpuList.Format(cpus)}: {failure}");
            return;
        }

        AgentCpuCount = cpus.Length;
        var (moved, reserved) = (CpuList.Format(cpus), CpuList.Format(plan.Reserved));
        app.Logger.AgentCpus(moved, reserved);
    }
}
