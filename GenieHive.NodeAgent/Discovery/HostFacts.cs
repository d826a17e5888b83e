namespace GenieHive.NodeAgent.Discovery;

/// <summary>CPU threads and RAM as the OS reports them (N2).</summary>
internal static class HostFacts
{
    public static int CpuThreads => Environment.ProcessorCount;

    /// <summary>Total physical memory in GiB, one decimal: <c>/proc/meminfo</c> on Linux, else the GC's view.</summary>
    public static double RamGb()
    {
        var bytes = ReadMemInfoBytes() ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return Math.Round(bytes / (1024.0 * 1024 * 1024), 1);
    }

    private static long? ReadMemInfoBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(parts[1], out var kib) ? kib * 1024 : null;
                }
            }
        }
        catch (IOException)
        {
            // Fall back to the GC's figure.
        }

        return null;
    }
}
