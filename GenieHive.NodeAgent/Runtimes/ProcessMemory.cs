using System.Globalization;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The resident memory of a process, as the kernel counts it: <c>VmRSS</c> of <c>/proc/{pid}/status</c> (Linux).
/// Elsewhere, and for a process that is gone, null: the budget then keeps the model's estimate.
/// </summary>
internal static class ProcessMemory
{
    public static long? ResidentBytes(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                // "VmRSS:     123456 kB"
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var digits = line.AsSpan(6).Trim();
                    var end = digits.IndexOf(' ');
                    return long.TryParse(end < 0 ? digits : digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exited between the check and the read.
        }

        return null;
    }
}
