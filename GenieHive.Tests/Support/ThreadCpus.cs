using GenieHive.NodeAgent.Configuration;

namespace GenieHive.Tests.Support;

/// <summary>Where the kernel lets each thread of a process run: its <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/status</c> <c>Cpus_allowed_list</c>.</summary>
internal static class ThreadCpus
{
    /// <summary>Every live thread's CPUs, ascending (threads that end while they are read are left out).</summary>
    public static int[][] Of(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task").Select(Allowed).OfType<int[]>()];

    private static int[]? Allowed(string taskDirectory)
    {
        try
        {
            var line = File.ReadLines(Path.Combine(taskDirectory, "status"))
                .FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            return line is null ? null : CpuList.Parse(line["Cpus_allowed_list:".Length..].Trim(), out _);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
