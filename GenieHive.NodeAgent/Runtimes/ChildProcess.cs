using System.Diagnostics;
using System.Globalization;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>What the two kinds of model process (runtime hosts, external servers) share: stopping and exit codes.</summary>
internal static class ChildProcess
{
    /// <summary>The exit code, with the signal named when the process was killed by one (128 + n on Unix).</summary>
    public static string ExitCodeText(int exitCode) =>
        exitCode > 128 && !OperatingSystem.IsWindows()
            ? $"{exitCode} (signal {exitCode - 128})"
            : exitCode.ToString(CultureInfo.InvariantCulture);

    /// <summary>Kills the process tree and waits up to 10 s for it, then releases the handle.</summary>
    public static async ValueTask StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        catch (TimeoutException)
        {
            // The kernel will finish it; nothing more we can do from here.
        }

        process.Dispose();
    }
}
