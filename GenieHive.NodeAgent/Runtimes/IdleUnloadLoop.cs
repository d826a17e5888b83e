namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// Once a second, stops the process of every served model idle for its <c>idle_unload_s</c> (no request in flight,
/// none started or ended for that long). The model loads again on its next request.
/// </summary>
internal sealed class IdleUnloadLoop(RuntimeServices runtimes, TimeProvider time, ILogger<IdleUnloadLoop> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!runtimes.All.Any(s => s.Model.Entry.IdleUnloadS is not null))
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var now = time.GetUtcNow();
                foreach (var service in runtimes.All)
                {
                    await service.UnloadIfIdleAsync(now);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
            {
                logger.IdleCheckFailed(ex);
            }
        }
    }
}
