using GenieHive.NodeAgent.Heartbeat;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>
/// <c>POST /v1/node/services/refresh</c>: discovery (with a model-root rescan) and local checks now, then a heartbeat.
/// Concurrent calls share one run.
/// </summary>
internal sealed class ServiceRefresh(InventoryRefresher refresher, ControlPlaneSync sync, RegistrationBuilder payloads, IHostApplicationLifetime lifetime)
{
    private readonly Lock _gate = new();
    private Task<(IReadOnlyList<ServiceReport>, HeartbeatOutcome)>? _running;

    public Task<(IReadOnlyList<ServiceReport> Services, HeartbeatOutcome Heartbeat)> RunAsync(CancellationToken cancellationToken)
    {
        Task<(IReadOnlyList<ServiceReport>, HeartbeatOutcome)> run;
        lock (_gate)
        {
            if (_running is not { IsCompleted: false })
            {
                _running = RunCoreAsync(lifetime.ApplicationStopping);
            }

            run = _running;
        }

        return run.WaitAsync(cancellationToken);
    }

    private async Task<(IReadOnlyList<ServiceReport>, HeartbeatOutcome)> RunCoreAsync(CancellationToken stopping)
    {
        await Task.Yield();
        await refresher.RunAsync(rescanModelRoots: true, stopping);
        var heartbeat = await sync.PushAsync(stopping);
        return (payloads.Services(), heartbeat);
    }
}
