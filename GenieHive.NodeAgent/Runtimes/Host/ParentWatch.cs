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
        // Its own thread: reads of the console's stdin block (its ReadAsync too, on a pool thread), and a pool
        // thread held for the process's life would be one fewer for requests while the model computes.
        new Thread(() =>
        {
            var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            try
            {
                while (stdin.Read(buffer) > 0)
                {
                    // The agent never writes; anything read is ignored.
                }
            }
            catch (IOException)
            {
                // A broken pipe is a closed one.
            }

            if (!stop.IsCancellationRequested)
            {
                stop.Cancel();
            }
        })
        { IsBackground = true, Name = "Parent watch" }.Start();

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
