using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Discovery;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>
/// Runs host and model discovery and the local checks, all services concurrently, and publishes the result.
/// Concurrent callers share one run; a caller asking for a model-root rescan while a plain run is in flight gets
/// the next run (GGUF files are scanned at start and on refresh only, GPU memory each cycle).
/// </summary>
internal sealed partial class InventoryRefresher(
    NodeConfig config,
    InventoryState state,
    ServiceChecker checker,
    GpuProbe gpus,
    IHostApplicationLifetime lifetime,
    ILogger<InventoryRefresher> logger)
{
    private readonly Lock _gate = new();
    private Task? _running;
    private bool _runningRescans;
    private IReadOnlyList<DiscoveredModel>? _models;

    public Task RunAsync(bool rescanModelRoots, CancellationToken cancellationToken)
    {
        Task run;
        lock (_gate)
        {
            var rescan = rescanModelRoots || _models is null;
            if (_running is { IsCompleted: false } current && (_runningRescans || !rescan))
            {
                run = current;
            }
            else
            {
                var previous = _running is { IsCompleted: false } inFlight ? inFlight : Task.CompletedTask;
                _runningRescans = rescan;
                run = _running = RunAfterAsync(previous, rescan);
            }
        }

        // A caller that gives up does not cancel the shared run; the host's stop does.
        return run.WaitAsync(cancellationToken);
    }

    private async Task RunAfterAsync(Task previous, bool rescan)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.Yield();
        var stopping = lifetime.ApplicationStopping;
        var hostId = config.Node.HostId;
        var services = config.Services.Select(s => checker.CheckAsync(s, hostId, stopping)).ToArray();
        IReadOnlyList<GpuInfo>? discoveredGpus = null;
        int? cpu = null;
        double? ram = null;
        if (config.Inventory.HostDiscovery)
        {
            cpu = HostFacts.CpuThreads;
            ram = HostFacts.RamGb();
            if (config.Inventory.Gpus is null)
            {
                discoveredGpus = await gpus.ProbeAsync(stopping);
            }
        }

        if (rescan || _models is null)
        {
            _models = ModelRootScanner.Scan(config.Inventory.ModelRoots);
        }

        var reports = await Task.WhenAll(services);
        var resources = HostResourcesBuilder.Build(config.Inventory, cpu, ram, discoveredGpus, _models);
        LogHealthChanges(state.Current.Services, reports);
        state.Publish(new InventorySnapshot(resources, reports));
    }

    private void LogHealthChanges(IReadOnlyList<ServiceReport> before, ServiceReport[] after)
    {
        for (var i = 0; i < after.Length && i < before.Count; i++)
        {
            if (before[i].State.Health != after[i].State.Health)
            {
                logger.HealthChanged(after[i].ServiceId, after[i].State.Health ?? "unknown");
            }
        }
    }
}
