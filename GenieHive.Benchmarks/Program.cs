using BenchmarkDotNet.Running;

namespace GenieHive.Benchmarks;

/// <summary>
/// <c>geniehive-bench &lt;command&gt; [args]</c>. Each command owns its arguments; <c>micro</c> hands them to
/// BenchmarkDotNet (<c>geniehive-bench micro --filter '*' --job short</c>). New commands are one entry in <see cref="Commands"/>.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Summary, Func<string[], int> Run)> Commands = new(StringComparer.Ordinal)
    {
        ["micro"] = ("BenchmarkDotNet micro-benchmarks (routing, request policy)", RunMicro),
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Error.WriteLine("usage: geniehive-bench <command> [options]");
            foreach (var (name, (summary, _)) in Commands)
            {
                Console.Error.WriteLine($"  {name,-8} {summary}");
            }

            return 2;
        }

        if (!Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine($"geniehive-bench: unknown command '{args[0]}' (known: {string.Join(", ", Commands.Keys)})");
            return 2;
        }

        return command.Run(args[1..]);
    }

    private static int RunMicro(string[] args)
    {
        // The executable is geniehive-bench, not GenieHive.Benchmarks, so BenchmarkDotNet's default toolchain cannot
        // find the project to regenerate; micro-benchmarks run in-process instead (same JIT, GC and diagnosers).
        if (!args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase))
        {
            args = [.. args, "--inProcess"];
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
