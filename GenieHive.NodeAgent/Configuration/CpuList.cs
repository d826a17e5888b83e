using System.Globalization;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// A CPU list as <c>taskset -c</c> and the kernel's <c>Cpus_allowed_list</c> write it: numbers and ranges separated by
/// commas (<c>1</c>, <c>0-3</c>, <c>0,2,4-7</c>). CPUs are numbered from 0; at most <see cref="MaxCpu"/>.
/// </summary>
internal static class CpuList
{
    public const int MaxCpu = 1023;

    /// <summary>The CPUs in ascending order without repeats, or null and why the text is not a CPU list.</summary>
    public static int[]? Parse(string text, out string? error)
    {
        error = null;
        var cpus = new SortedSet<int>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            var first = dash < 0 ? part : part[..dash];
            var last = dash < 0 ? part : part[(dash + 1)..];
            if (!TryCpu(first, out var from) || !TryCpu(last, out var to))
            {
                error = $"\"{part}\" is not a CPU number (0-{MaxCpu}) or range (a-b)";
                return null;
            }

            if (to < from)
            {
                error = $"\"{part}\" is a range that ends before it starts";
                return null;
            }

            for (var cpu = from; cpu <= to; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return [.. cpus];
    }

    public static string Format(IEnumerable<int> cpus) => string.Join(',', cpus);

    private static bool TryCpu(string text, out int cpu) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cpu) && cpu <= MaxCpu;
}
