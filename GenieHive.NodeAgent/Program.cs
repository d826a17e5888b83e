using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.NodeAgent.Runtimes.Host;
using GenieHive.NodeAgent.Simulation;

namespace GenieHive.NodeAgent;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // One model in its own process (docs/runtimes.md): dispatched before anything of the agent is built.
        if (args.Length > 0 && args[0] == RuntimeHostSpec.Argument)
        {
            return await RuntimeHostMain.RunAsync(args);
        }

        // One simulated server as a process of its own: the external server of the process engine's tests.
        if (args.Length > 0 && args[0] == SimulateMain.Argument)
        {
            return await SimulateMain.RunAsync(args);
        }

        // The agent's own process only, before any socket exists (docs/architecture.md "Inline I/O"); the two modes
        // above, model computation among them, keep the runtime's defaults.
        InlineIo.Apply();
        WebApplication app;
        try
        {
            app = NodeAgentApp.Build(args);
        }
        catch (NodeConfigException ex)
        {
            // config.md §5.1: every finding on stderr, exit code 2, nothing listens.
            foreach (var finding in ex.Findings)
            {
                await Console.Error.WriteLineAsync(finding.ToString());
            }

            return 2;
        }

        // CPUs pinned models reserve are theirs alone: the agent's own process, and what it starts, moves off them
        // (docs/runtimes.md "CPU pinning"). Here rather than in NodeAgentApp, which tests build inside their own process.
        CpuReservation.Apply(app);
        await using (app)
        {
            await app.RunAsync();
        }

        return 0;
    }
}
