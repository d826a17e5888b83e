using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
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

        await using (app)
        {
            await app.RunAsync();
        }

        return 0;
    }
}
