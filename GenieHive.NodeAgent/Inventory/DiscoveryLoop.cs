using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Discovery;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>Discovery and local checks every <c>discovery_interval_s</c> (D18), first at start.</summary>
internal sealed class DiscoveryLoop(NodeConfig config, InventoryRefresher refresher, TimeProvider time, ILogger<DiscoveryLoop> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RunOnceAsync(rescan: true, stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(config.ControlPlane.DiscoveryIntervalS), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(rescan: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RunOnceAsync(bool rescan, CancellationToken stoppingToken)
    {
        try
        {
            await refresher.RunAsync(rescan, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            logger.DiscoveryRunFailed(ex);
        }
    }
}
