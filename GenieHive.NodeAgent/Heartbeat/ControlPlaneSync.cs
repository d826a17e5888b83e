using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Inventory;
using GenieHive.NodeAgent.Protocol;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Heartbeat;

/// <summary>
/// Registration and heartbeats (api.md §3.3, routing.md "Health"): register once the first discovery run is in,
/// heartbeat every <c>heartbeat_interval_s</c>, re-register on 404 <c>unknown_host</c> and resend once, retry
/// registration after 409 <c>service_conflict</c>, stop syncing after 409 <c>host_conflict</c>, back off while the
/// control plane is down (1 s doubling to interval × 6, with jitter) and resume without restart. On a clean stop one
/// heartbeat says <c>offline</c>.
/// </summary>
internal sealed class ControlPlaneSync(
    NodeConfig config,
    AgentSettings settings,
    ControlPlaneClient client,
    RegistrationBuilder payloads,
    InventoryState inventory,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ControlPlaneSync> logger) : BackgroundService
{
    private static readonly TimeSpan FirstDiscoveryWait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan OfflineTimeout = TimeSpan.FromSeconds(3);
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly TimeSpan _interval = TimeSpan.FromSeconds(config.ControlPlane.HeartbeatIntervalS);
    private bool _registered;
    private string? _acceptedResources;
    private int _failures;

    /// <summary>Set after 409 <c>host_conflict</c>: another agent instance owns the host.</summary>
    public bool Stopped { get; private set; }

    public bool Registered => _registered;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.ControlPlaneUrl is null)
        {
            logger.SyncDisabled();
            return;
        }

        try
        {
            await WhenStartedAsync(stoppingToken);
            await inventory.FirstRun.WaitAsync(FirstDiscoveryWait, time, stoppingToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            stoppingToken.ThrowIfCancellationRequested();
            using var timer = new PeriodicTimer(_interval, time);
            do
            {
                var answer = await SyncAsync(stoppingToken);
                if (Stopped)
                {
                    return;
                }

                timer.Period = NextPeriod(answer);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await SendOfflineAsync();
        }
    }

    /// <summary>A heartbeat now (<c>POST /v1/node/services/refresh</c>), registering first when needed.</summary>
    public async Task<HeartbeatOutcome> PushAsync(CancellationToken cancellationToken)
    {
        if (settings.ControlPlaneUrl is null)
        {
            return new HeartbeatOutcome(false, null, "sync disabled: no control plane configured");
        }

        if (Stopped)
        {
            return new HeartbeatOutcome(false, null, "sync stopped: another agent instance owns this host (host_conflict)");
        }

        var answer = await SyncAsync(cancellationToken);
        return answer.Ok
            ? new HeartbeatOutcome(true, answer.Status, null)
            : new HeartbeatOutcome(false, answer.Status, answer.Describe());
    }

    private async Task<ControlPlaneAnswer> SyncAsync(CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (Stopped)
            {
                return new ControlPlaneAnswer(null, null, null, "sync stopped");
            }

            if (!_registered)
            {
                var registration = await RegisterAsync(cancellationToken);
                if (!registration.Ok)
                {
                    return registration;
                }
            }

            var answer = await HeartbeatAsync("online", cancellationToken);
            if (answer is { Status: 404, Code: ErrorCodes.UnknownHost })
            {
                logger.UnknownHost(config.Node.HostId);
                _registered = false;
                var registration = await RegisterAsync(cancellationToken);
                if (!registration.Ok)
                {
                    return registration;
                }

                answer = await HeartbeatAsync("online", cancellationToken);
            }

            Classify(answer);
            return answer;
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task<ControlPlaneAnswer> RegisterAsync(CancellationToken cancellationToken)
    {
        var payload = payloads.Registration();
        var answer = await client.RegisterAsync(payload, cancellationToken);
        if (answer.Ok)
        {
            _registered = true;
            _acceptedResources = RegistrationBuilder.Fingerprint(payload.Resources);
            logger.Registered(config.Node.HostId, settings.ControlPlaneUrl!, payload.Services.Count);
        }
        else
        {
            Classify(answer);
        }

        return answer;
    }

    private async Task<ControlPlaneAnswer> HeartbeatAsync(string status, CancellationToken cancellationToken)
    {
        var resources = inventory.Current.Resources;
        var fingerprint = RegistrationBuilder.Fingerprint(resources);
        var changed = fingerprint != _acceptedResources;
        var answer = await client.HeartbeatAsync(payloads.Heartbeat(status, changed ? resources : null), cancellationToken);
        if (answer.Ok)
        {
            _acceptedResources = fingerprint;
        }

        return answer;
    }

    private void Classify(ControlPlaneAnswer answer)
    {
        if (answer.Status != 409)
        {
            return;
        }

        if (answer.Code == ErrorCodes.HostConflict)
        {
            logger.HostConflict(config.Node.HostId, answer.Describe());
            Stopped = true;
        }
        else
        {
            // service_conflict (or another 409): register again next interval.
            logger.ServiceConflict(answer.Describe());
            _registered = false;
        }
    }

    private TimeSpan NextPeriod(ControlPlaneAnswer answer)
    {
        if (answer.Ok || answer.Status == 409)
        {
            _failures = 0;
            return _interval;
        }

        _failures++;
        var cap = _interval * 6;
        var delay = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(_failures - 1, 16)));
        if (delay > cap)
        {
            delay = cap;
        }

        // ±20 % jitter so that a cluster of agents does not come back in lockstep.
        delay *= 0.8 + (Random.Shared.NextDouble() * 0.4);
        logger.SyncFailed(answer.Describe(), delay.TotalSeconds);
        return delay < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : delay;
    }

    private async Task SendOfflineAsync()
    {
        if (!_registered || Stopped)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(OfflineTimeout, time);
        try
        {
            await _send.WaitAsync(timeout.Token);
            try
            {
                var answer = await client.HeartbeatAsync(payloads.Heartbeat("offline", null), timeout.Token);
                if (answer.Ok)
                {
                    logger.SentOffline(config.Node.HostId);
                }
                else
                {
                    logger.OfflineFailed(answer.Describe());
                }
            }
            finally
            {
                _send.Release();
            }
        }
        catch (OperationCanceledException)
        {
            logger.OfflineFailed("timed out");
        }
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken).ContinueWith(
            t =>
            {
                registration.Dispose();
                return t;
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default).Unwrap();
    }

    public override void Dispose()
    {
        _send.Dispose();
        base.Dispose();
    }
}
