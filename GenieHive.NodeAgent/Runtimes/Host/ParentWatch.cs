using System.Diagnostics;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Ends a runtime host when its agent is gone, however the agent ended: the agent holds the write end of the host's
/// stdin, so its death (a kill included) closes it; and the agent's pid is polled, for an agent whose pipe outlives it.
/// </summary>
internal static class ParentWatch
{
    public static void Start(int parentPid, CancellationTokenSource stop)
    {
        _ = Task.Run(async () =>
        {
            var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            try
            {
                while (await stdin.ReadAsync(buffer, stop.Token) > 0)
                {
                    // The agent never writes; anything read is ignored.
                }
            }
            catch (IOException)
            {
                // A broken pipe is a closed one.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await stop.CancelAsync();
        });

        _ = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            while (await timer.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested)
            {
                if (!IsAlive(parentPid))
                {
                    await stop.CancelAsync();
                    return;
                }
            }
        });
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
