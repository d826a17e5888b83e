using System.Globalization;
using System.Runtime.InteropServices;
using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// Pins this whole process to a CPU list (docs/runtimes.md "CPU pinning"): a runtime host to its entry's <c>cpus</c>,
/// the agent to the CPUs that no entry reserves. Linux keeps an affinity per thread, and a new thread inherits its
/// creator's: so every thread that exists now is pinned (the runtime's own included), and every later one (the
/// model's, the pool's, the server's) starts pinned, as does every process started from then on.
/// </summary>
internal static class CpuAffinity
{
    private const int MaskBytes = (CpuList.MaxCpu + 1) / 8;

    /// <summary>Null when every thread is pinned; else why not (for <c>runtime.last_error</c>).</summary>
    public static string? PinProcess(IReadOnlyList<int> cpus)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var mask = Mask(cpus);

        // Threads may start while the list is read: read it again until a pass pins nothing new.
        var pinned = new HashSet<int>();
        while (true)
        {
            var found = false;
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) || !pinned.Add(tid))
                {
                    continue;
                }

                found = true;
                if (SchedSetAffinity(tid, mask.Length, mask) != 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == 3)
                    {
                        // ESRCH: that thread ended meanwhile.
                        continue;
                    }

                    return errno == 22
                        ? $"cpus {CpuList.Format(cpus)}: none of these CPUs is available to this process (sched_setaffinity: EINVAL)"
                        : $"cpus {CpuList.Format(cpus)}: sched_setaffinity failed (errno {errno})";
                }
            }

            if (!found)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="start"/> (a process start) on this thread pinned to <paramref name="cpus"/>, then gives the
    /// thread its CPUs back: a new process inherits the CPUs of the thread that starts it, so its runtime counts those
    /// CPUs when it starts (thread pool, GC heaps), not the agent's. Unpinned when the list cannot be set (the process
    /// then reports why itself).
    /// </summary>
    public static T StartedOn<T>(IReadOnlyList<int>? cpus, Func<T> start)
    {
        if (cpus is not { Count: > 0 } || Available() is not { } before || SchedSetAffinity(0, MaskBytes, Mask(cpus)) != 0)
        {
            return start();
        }

        try
        {
            return start();
        }
        finally
        {
            // Back to CPUs this thread had a moment ago: cannot fail short of a CPU going offline meanwhile.
            var restored = SchedSetAffinity(0, MaskBytes, Mask(before)) == 0;
            System.Diagnostics.Debug.Assert(restored, "this thread's CPUs were not restored");
        }
    }

    /// <summary>The CPUs this thread may run on now (the process's unless it was pinned apart); null off Linux or on failure.</summary>
    public static int[]? Available()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var mask = new byte[MaskBytes];
        if (SchedGetAffinity(0, mask.Length, mask) != 0)
        {
            return null;
        }

        var cpus = new List<int>();
        for (var cpu = 0; cpu <= CpuList.MaxCpu; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    private static byte[] Mask(IReadOnlyList<int> cpus)
    {
        var mask = new byte[MaskBytes];
        foreach (var cpu in cpus)
        {
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }

        return mask;
    }

    // DllImport rather than LibraryImport: the generated stub needs unsafe code, and this is one blittable call.
    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint cpusetsize, byte[] mask);

    [DllImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static extern int SchedGetAffinity(int pid, nint cpusetsize, byte[] mask);
}
