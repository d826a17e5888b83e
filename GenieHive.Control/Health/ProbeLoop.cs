using System.Text.Json;
using GenieHive.Control.Config;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Health;

/// <summary>
/// Active probing when <c>routing.probe_interval_s</c> &gt; 0: every period, one cycle probes every registered
/// service once, all concurrently, each within <c>routing.probe_timeout_s</c>; cycles never overlap (the next
/// tick is awaited only after a cycle ends). Configured providers and endpoint-less services are skipped. The
/// verdict goes to <see cref="ServiceLiveState.Probe"/>, beside the node's health, never overwritten by heartbeats (D18).
/// </summary>
public sealed partial class ProbeLoop(
    ControlConfig config, RoutingTableHolder routing, LiveStateStore live, ServiceProber prober, TimeProvider time, ILogger<ProbeLoop> logger)
    : BackgroundService
{
    private long _cycles;

    /// <summary>Raised after each completed cycle with its number (1, 2, ...).</summary>
    public event Action<long>? CycleCompleted;

    public long CompletedCycles => Interlocked.Read(ref _cycles);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = config.Routing.ProbeIntervalSeconds;
        if (interval <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunCycleAsync(stoppingToken);
            var cycle = Interlocked.Increment(ref _cycles);
            CycleCompleted?.Invoke(cycle);
        }
    }

    public async Task RunCycleAsync(CancellationToken cancellationToken)
    {
        var table = routing.Current;
        var timeout = TimeSpan.FromSeconds(config.Routing.ProbeTimeoutSeconds);
        var probes = new List<Task>(table.Services.Length);
        foreach (var service in table.Services)
        {
            if (!IsSkipped(service))
            {
                probes.Add(ProbeAsync(service, timeout, cancellationToken));
            }
        }

        await Task.WhenAll(probes);
    }

    /// <summary>Services with <c>runtime.launcher == "configured_provider"</c> or no endpoint are never probed.</summary>
    public static bool IsSkipped(ServiceRecord service) =>
        string.IsNullOrEmpty(service.Endpoint)
        || (service.Runtime.ValueKind == JsonValueKind.Object
            && service.Runtime.TryGetProperty("launcher", out var launcher)
            && launcher.ValueKind == JsonValueKind.String
            && launcher.ValueEquals("configured_provider"));

    private async Task ProbeAsync(ServiceRecord service, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var verdict = await prober.ProbeAsync(service.Endpoint, timeout, cancellationToken);
        // The service may have left the registry while it was probed; do not resurrect its live state.
        if (routing.Current.ServicesById.ContainsKey(service.ServiceId))
        {
            var state = live.Get(service.ServiceId);
            if (state.Probe != verdict)
            {
                LogVerdictChanged(logger, service.ServiceId, verdict);
            }

            state.Probe = verdict;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Probe of {ServiceId}: {Verdict}")]
    private static partial void LogVerdictChanged(ILogger logger, string serviceId, ProbeVerdict verdict);
}
