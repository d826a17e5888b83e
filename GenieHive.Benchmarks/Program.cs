using GenieHive.Benchmarks.Cli;
using GenieHive.Benchmarks.Gateway;
using GenieHive.Benchmarks.ModelBench;

namespace GenieHive.Benchmarks;

/// <summary><c>geniehive-bench</c>: model benchmarks (run, ingest), the gateway benchmark and micro-benchmarks.</summary>
internal static class Program
{
    private const string Usage = """
        usage: geniehive-bench <command> [options]
          run       run a built-in workload against GenieHive and print the report JSON
          ingest    post a report to /v1/cluster/benchmarks
          gateway   measure the overhead of the GenieHive hop against a simulated upstream
        """;

    public static async Task<int> Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            return args.Length == 0 ? Fail(Usage, 2) : args[0] switch
            {
                "run" => await ModelBenchCommands.RunAsync(args[1..], Console.Out, Console.Error, cts.Token),
                "ingest" => await ModelBenchCommands.IngestAsync(args[1..], Console.Out, cts.Token),
                "gateway" => await GatewayCommand.RunAsync(args[1..], Console.Out, Console.Error, cts.Token),
                "-h" or "--help" or "help" => Fail(Usage, 0),
                _ => Fail($"geniehive-bench: unknown command \"{args[0]}\"\n{Usage}", 2),
            };
        }
        catch (CliException ex)
        {
            return Fail($"geniehive-bench: {ex.Message}", ex.ExitCode);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return Fail("geniehive-bench: cancelled", 130);
        }
    }

    private static int Fail(string message, int code)
    {
        (code == 0 ? Console.Out : Console.Error).WriteLine(message);
        return code;
    }
}
