using BenchmarkDotNet.Running;
using GenieHive.Benchmarks.Cli;
using GenieHive.Benchmarks.Gateway;
using GenieHive.Benchmarks.ModelBench;
using GenieHive.Benchmarks.Runtime;

namespace GenieHive.Benchmarks;

/// <summary>
/// <c>geniehive-bench &lt;command&gt; [args]</c>: model benchmarks (run, ingest), the gateway benchmark and
/// BenchmarkDotNet micro-benchmarks. Each command owns its arguments; a new command is one entry in <see cref="Commands"/>.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, (string Summary, Func<string[], CancellationToken, Task<int>> Run)> Commands =
        new(StringComparer.Ordinal)
        {
            ["run"] = ("run a built-in workload against GenieHive and print the report JSON",
                (a, ct) => ModelBenchCommands.RunAsync(a, Console.Out, Console.Error, ct)),
            ["ingest"] = ("post a report to /v1/cluster/benchmarks", (a, ct) => ModelBenchCommands.IngestAsync(a, Console.Out, ct)),
            ["gateway"] = ("measure the overhead of the GenieHive hop against a simulated upstream",
                (a, ct) => GatewayCommand.RunAsync(a, Console.Out, Console.Error, ct)),
            ["runtime"] = ("serving overhead of generated GGUF models and MiniLM through GenieHive against their runtime hosts",
                (a, ct) => RuntimeCommand.RunAsync(a, Console.Out, Console.Error, ct)),
            ["lifecycle"] = ("cold-start cost of a model loaded on demand, and the memory budget's eviction",
                (a, ct) => LifecycleCommand.RunAsync(a, Console.Out, Console.Error, ct)),
            ["micro"] = ("BenchmarkDotNet micro-benchmarks (routing, request policy, SSE transform)", (a, _) => Task.FromResult(RunMicro(a))),
        };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            var usage = Console.Error;
            usage.WriteLine("usage: geniehive-bench <command> [options]");
            foreach (var (name, (summary, _)) in Commands)
            {
                usage.WriteLine($"  {name,-8} {summary}");
            }

            return args.Length == 0 ? 2 : 0;
        }

        if (!Commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine($"geniehive-bench: unknown command '{args[0]}' (known: {string.Join(", ", Commands.Keys)})");
            return 2;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        // `kill` / a CI timeout stops the benchmark like Ctrl+C does: cancelled, so the control planes, agents and
        // runtime hosts it started are stopped on the way out instead of outliving it.
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cts.Cancel();
            });

        try
        {
            return await command.Run(args[1..], cts.Token);
        }
        catch (CliException ex)
        {
            Console.Error.WriteLine($"geniehive-bench: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("geniehive-bench: cancelled");
            return 130;
        }
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
