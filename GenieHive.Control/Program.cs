using GenieHive.Control.Config;
using GenieHive.Control.Registry;

namespace GenieHive.Control;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Before any socket exists: the runtime reads this switch once (docs/architecture.md "Inline I/O").
        InlineIo.Apply();
        try
        {
            await using var app = ControlPlaneApp.Build(args);
            await app.StartAsync();
            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (ConfigValidationException ex)
        {
            // config.md §5.1: every finding, one per line, exit code 2, nothing listens.
            foreach (var finding in ex.Findings)
            {
                await Console.Error.WriteLineAsync(finding.ToString());
            }

            return 2;
        }
        catch (RegistryOpenException ex)
        {
            await Console.Error.WriteLineAsync($"error   storage.sqlite_path: {ex.Message}");
            return 2;
        }
    }
}
