using System.Globalization;
using System.Runtime.InteropServices;
using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Pins the whole runtime-host process to a CPU list (docs/runtimes.md "CPU pinning"). Linux keeps an affinity per
/// thread, and a new thread inherits its creator's: so every thread that exists now is pinned (the runtime's own
/// included), and every later one (the model's, the pool's, the server's) starts pinned.
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

        var mask = new byte[MaskBytes];
        foreach (var cpu in cpus)
        {
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }

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

    // DllImport rather than LibraryImport: the generated stub needs unsafe code, and this is one blittable call.
    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint cpusetsize, byte[] mask);
}
