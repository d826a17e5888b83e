using GenieHive.NodeAgent.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// <c>GenieHive.NodeAgent --simulate '&lt;entry&gt;'</c>: one simulated server (N1) as a process of its own, with no agent,
/// registration or heartbeat. The entry is one <c>simulated[]</c> item as YAML or JSON (config.md §2.4), e.g.
/// <c>{ id: "s", kind: "chat", models: ["m"], port: 8080 }</c>; it is validated like the node YAML (findings on
/// stderr, exit code 2). It prints <see cref="ReadyPrefix"/> and the port, then serves until SIGTERM or Ctrl-C. The
/// <c>process</c> runtime engine's tests use it as the external server.
/// </summary>
internal static class SimulateMain
{
    public const string Argument = "--simulate";
    public const string ReadyPrefix = "geniehive-simulate-ready port=";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 2)
        {
            await Console.Error.WriteLineAsync($"usage: GenieHive.NodeAgent {Argument} '<simulated entry as YAML or JSON>'");
            return 2;
        }

        var entry = args[1].ReplaceLineEndings("\n").Replace("\n", "\n    ", StringComparison.Ordinal);
        var yaml = $"node: {{ host_id: \"simulate\" }}\nsimulated:\n  - {entry}\n";
        var result = NodeConfigLoader.Parse(yaml, Argument);
        foreach (var finding in result.Findings)
        {
            await Console.Error.WriteLineAsync(finding.ToString());
        }

        if (result.Config is not { Simulated: [var config] } node)
        {
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        await using var server = new SimulatedServer(config, config.ListenHost, node.Node.HostId, node.MaxJsonBodyBytes, services, TimeProvider.System);
        await server.StartAsync(stop.Token);
        Console.Out.WriteLine(ReadyPrefix + server.Port);
        await Console.Out.FlushAsync(CancellationToken.None);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or Ctrl-C.
        }

        return 0;
    }
}
