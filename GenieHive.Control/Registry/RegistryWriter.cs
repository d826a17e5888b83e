using System.Threading.Channels;
using GenieHive.Control.Api;
using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.Data.Sqlite;

namespace GenieHive.Control.Registry;

/// <summary>
/// The registry's one writer (config.md §6). It owns the SQLite connection and an in-memory copy of every row;
/// node-protocol and operator handlers submit commands through a channel and await their results, so SQLite
/// (whose async methods run synchronously) stays off the request path. Each command is one transaction; memory
/// changes only after the commit, then a new <see cref="RoutingTable"/> is published and live state of removed
/// services is dropped. Readers never see a half-applied command.
/// </summary>
public sealed partial class RegistryWriter : IHostedService, IDisposable
{
    /// <summary>A service of a host stale for longer than this many stale windows can be claimed (D19).</summary>
    public const double ClaimAfterStaleWindows = 10;

    private readonly Channel<Action> _commands = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, HostRecord> _hosts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRecord> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RoleRecord> _roles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BenchmarkSample> _samples = new(StringComparer.Ordinal);
    private readonly LoadedConfiguration _configuration;
    private readonly RoutingTableHolder _holder;
    private readonly LiveStateStore _live;
    private readonly TimeProvider _time;
    private readonly ILogger<RegistryWriter> _logger;
    private readonly RoutingSettings _settings;
    private SqliteConnection? _connection;
    private Task? _loop;
    private long _version;
    private volatile bool _open;

    public RegistryWriter(LoadedConfiguration configuration, RoutingTableHolder holder, LiveStateStore live, TimeProvider time, ILogger<RegistryWriter> logger)
    {
        _configuration = configuration;
        _holder = holder;
        _live = live;
        _time = time;
        _logger = logger;
        var routing = configuration.Config.Routing;
        _settings = new RoutingSettings(routing.HealthStaleAfterSeconds, routing.DefaultStrategy);
    }

    /// <summary>Open and accepting commands (readiness, api.md §1.5).</summary>
    public bool IsOpen => _open;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Open();
        _loop = Task.Run(ProcessAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _open = false;
        _commands.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken);
        }

        _connection?.Dispose();
        _connection = null;
    }

    public void Dispose()
    {
        _commands.Writer.TryComplete();
        _connection?.Dispose();
    }

    /// <summary>Registration (api.md §3.1): the host upserted, its services replaced by the payload's.</summary>
    /// <param name="keyDigest">Hex digest of the presented node key, or null when node routes are open.</param>
    public Task<RegistryResult> RegisterAsync(HostReport report, string? keyDigest, CancellationToken cancellationToken) =>
        Submit(() => Register(report, keyDigest), cancellationToken);

    /// <summary>Heartbeat (api.md §3.2): <c>last_seen</c> always rewritten; services replaced only when sent.</summary>
    public Task<RegistryResult> HeartbeatAsync(HeartbeatReport report, string? keyDigest, CancellationToken cancellationToken) =>
        Submit(() => Heartbeat(report, keyDigest), cancellationToken);

    /// <summary><c>DELETE /v1/cluster/hosts/{id}</c> (D19): the host and its services leave the registry.</summary>
    public Task<RegistryResult> DeleteHostAsync(string hostId, CancellationToken cancellationToken) =>
        Submit(() => DeleteHost(hostId), cancellationToken);

    /// <summary>Benchmark ingest: upsert by <c>benchmark_id</c>, one transaction for the batch.</summary>
    public Task<int> IngestSamplesAsync(IReadOnlyList<BenchmarkSample> samples, CancellationToken cancellationToken) =>
        Submit(() => Ingest(samples), cancellationToken);

    private Task<T> Submit<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = _commands.Writer.TryWrite(() =>
        {
            try
            {
                completion.TrySetResult(work());
            }
            catch (Exception ex)
            {
                completion.TrySetException(ex);
            }
        });
        if (!accepted)
        {
            completion.TrySetException(new InvalidOperationException("The registry writer has stopped."));
        }

        // Cancellation stops the wait, not the command: it commits whole or not at all.
        return completion.Task.WaitAsync(cancellationToken);
    }

    private async Task ProcessAsync()
    {
        await foreach (var command in _commands.Reader.ReadAllAsync())
        {
            command();
        }
    }

    private void Open()
    {
        var path = _configuration.Config.Storage.SqlitePath;
        try
        {
            _connection = RegistrySchema.Open(path);
        }
        catch (SqliteException ex)
        {
            throw new RegistryOpenException($"cannot open the registry at {path}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new RegistryOpenException($"cannot open the registry at {path}: {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new RegistryOpenException($"cannot open the registry at {path}: {ex.Message}", ex);
        }

        foreach (var host in RegistryStore.LoadHosts(_connection))
        {
            _hosts[host.HostId] = host;
        }

        foreach (var service in RegistryStore.LoadServices(_connection))
        {
            _services[service.ServiceId] = service;
        }

        foreach (var sample in RegistryStore.LoadSamples(_connection))
        {
            _samples[sample.BenchmarkId] = sample;
        }

        SyncRoles();
        _open = true;
        Publish();
        LogOpened(_logger, path, _hosts.Count, _services.Count, _roles.Count, _samples.Count);
    }

    /// <summary>At start the registry's roles become exactly the catalogs' (D13), keeping each role's <c>created_at</c>.</summary>
    private void SyncRoles()
    {
        var now = UnixTime.Now(_time);
        var createdAt = RegistryStore.LoadRoleCreatedAt(_connection!);
        var roles = _configuration.Roles
            .Select(r => r with { CreatedAt = createdAt.TryGetValue(r.RoleId, out var first) ? first : now, UpdatedAt = now })
            .ToList();
        using (var transaction = _connection!.BeginTransaction())
        {
            RegistryStore.ReplaceRoles(_connection, transaction, roles);
            transaction.Commit();
        }

        foreach (var role in roles)
        {
            _roles[role.RoleId] = role;
        }
    }

    private RegistryResult Register(HostReport report, string? keyDigest)
    {
        var now = UnixTime.Now(_time);
        _hosts.TryGetValue(report.HostId, out var existing);
        if (KeyConflict(existing, keyDigest) is { } keyError)
        {
            return RegistryResult.Failed(keyError);
        }

        var plan = PlanServices(report.HostId, report.Services, now, skipUnchanged: false);
        if (plan.Error is not null)
        {
            return RegistryResult.Failed(plan.Error);
        }

        var host = new HostRecord(
            report.HostId,
            report.DisplayName,
            report.Address,
            report.Labels,
            report.Capabilities,
            report.Resources,
            existing?.Metrics ?? ClusterJson.EmptyObject,
            "online",
            now,
            existing?.NodeKeyDigest ?? keyDigest,
            report.InstanceId,
            report.AgentUrl);
        Commit(host, plan);
        return new RegistryResult(host, null);
    }

    private RegistryResult Heartbeat(HeartbeatReport report, string? keyDigest)
    {
        if (!_hosts.TryGetValue(report.HostId, out var existing))
        {
            return RegistryResult.Failed(new ApiError(404, $"Unknown host '{report.HostId}'; register first.", ErrorCodes.UnknownHost, "host_id"));
        }

        if (KeyConflict(existing, keyDigest) is { } keyError)
        {
            return RegistryResult.Failed(keyError);
        }

        if (report.InstanceId is not null && existing.InstanceId is not null && report.InstanceId != existing.InstanceId)
        {
            return RegistryResult.Failed(new ApiError(409,
                $"Host '{report.HostId}' is owned by another agent instance; this agent should stop.", ErrorCodes.HostConflict, "instance_id"));
        }

        var now = UnixTime.Now(_time);
        var plan = report.Services.IsEmpty
            ? ServicePlan.Unchanged
            : PlanServices(report.HostId, report.Services, now, skipUnchanged: true);
        if (plan.Error is not null)
        {
            return RegistryResult.Failed(plan.Error);
        }

        var host = existing with
        {
            ReportedState = report.ReportedState,
            LastSeen = now,
            Metrics = report.Metrics,
            Resources = report.Resources ?? existing.Resources,
            InstanceId = existing.InstanceId ?? report.InstanceId,
            NodeKeyDigest = existing.NodeKeyDigest ?? keyDigest,
        };
        Commit(host, plan);
        return new RegistryResult(host, null);
    }

    private RegistryResult DeleteHost(string hostId)
    {
        if (!_hosts.TryGetValue(hostId, out var host))
        {
            return RegistryResult.Failed(new ApiError(404, $"Unknown host '{hostId}'.", ErrorCodes.UnknownHost, "host_id"));
        }

        var removed = _services.Values.Where(s => s.HostId == hostId).Select(s => s.ServiceId).ToList();
        using (var transaction = _connection!.BeginTransaction())
        {
            RegistryStore.DeleteHost(_connection, transaction, hostId);
            transaction.Commit();
        }

        _hosts.Remove(hostId);
        foreach (var id in removed)
        {
            _services.Remove(id);
        }

        Publish();
        LogHostDeleted(_logger, hostId, removed.Count);
        return new RegistryResult(host, null, removed.Count);
    }

    private int Ingest(IReadOnlyList<BenchmarkSample> samples)
    {
        using (var transaction = _connection!.BeginTransaction())
        {
            foreach (var sample in samples)
            {
                RegistryStore.UpsertSample(_connection, transaction, sample);
            }

            transaction.Commit();
        }

        foreach (var sample in samples)
        {
            _samples[sample.BenchmarkId] = sample;
        }

        Publish();
        return samples.Count;
    }

    private static ApiError? KeyConflict(HostRecord? existing, string? keyDigest) =>
        existing?.NodeKeyDigest is { } bound && keyDigest is not null && bound != keyDigest
            ? new ApiError(409, $"Host '{existing.HostId}' is bound to another node key.", ErrorCodes.HostConflict, "host_id")
            : null;

    /// <summary>
    /// The host's services become <paramref name="services"/>: ids of other hosts conflict (409, D8) unless their
    /// owner has been stale for <see cref="ClaimAfterStaleWindows"/> windows (D19); existing ids keep <c>created_at</c>.
    /// </summary>
    private ServicePlan PlanServices(string hostId, IReadOnlyList<ServiceRecord> services, double now, bool skipUnchanged)
    {
        var upserts = new List<ServiceRecord>();
        var claims = new List<(string ServiceId, string FormerHost)>();
        for (var i = 0; i < services.Count; i++)
        {
            var service = services[i] with { HostId = hostId };
            if (_services.TryGetValue(service.ServiceId, out var current) && current.HostId != hostId)
            {
                if (!CanClaim(current.HostId, now))
                {
                    return new ServicePlan([], [], [],
                        new ApiError(409, $"Service '{service.ServiceId}' belongs to host '{current.HostId}'.",
                            ErrorCodes.ServiceConflict, $"services[{i}].service_id"));
                }

                claims.Add((service.ServiceId, current.HostId));
                current = null;
            }

            if (current is not null && skipUnchanged && RegistryStore.Fingerprint(current) == RegistryStore.Fingerprint(service))
            {
                continue;
            }

            upserts.Add(service with { CreatedAt = current?.CreatedAt ?? now, UpdatedAt = now });
        }

        var removals = _services.Values
            .Where(s => s.HostId == hostId && !services.Any(n => n.ServiceId == s.ServiceId))
            .Select(s => s.ServiceId)
            .ToList();
        return new ServicePlan(upserts, removals, claims, null);
    }

    private bool CanClaim(string ownerId, double now) =>
        _hosts.TryGetValue(ownerId, out var owner)
            ? !HostFacts.IsConfiguredProvider(owner) && now - owner.LastSeen > ClaimAfterStaleWindows * _settings.HealthStaleAfterSeconds
            : true;

    private void Commit(HostRecord host, ServicePlan plan)
    {
        using (var transaction = _connection!.BeginTransaction())
        {
            RegistryStore.UpsertHost(_connection, transaction, host);
            foreach (var id in plan.Removals)
            {
                RegistryStore.DeleteService(_connection, transaction, id);
            }

            foreach (var service in plan.Upserts)
            {
                RegistryStore.UpsertService(_connection, transaction, service);
            }

            transaction.Commit();
        }

        _hosts[host.HostId] = host;
        foreach (var id in plan.Removals)
        {
            _services.Remove(id);
        }

        foreach (var service in plan.Upserts)
        {
            _services[service.ServiceId] = service;
        }

        foreach (var (serviceId, formerHost) in plan.Claims)
        {
            LogServiceClaimed(_logger, serviceId, formerHost, host.HostId);
        }

        Publish();
    }

    private void Publish()
    {
        var table = RoutingTable.Create(_hosts.Values, _services.Values, _roles.Values, _samples.Values, _settings, ++_version);
        _holder.Publish(table);
        _live.Retain(new HashSet<string>(_services.Keys, StringComparer.Ordinal));
    }

    private sealed record ServicePlan(
        List<ServiceRecord> Upserts,
        List<string> Removals,
        List<(string ServiceId, string FormerHost)> Claims,
        ApiError? Error)
    {
        public static ServicePlan Unchanged { get; } = new([], [], [], null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry open at {Path}: {HostCount} hosts, {ServiceCount} services, {RoleCount} roles, {SampleCount} benchmark samples")]
    private static partial void LogOpened(ILogger logger, string path, int hostCount, int serviceCount, int roleCount, int sampleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service {ServiceId} claimed from long-stale host {FormerHostId} by {HostId}")]
    private static partial void LogServiceClaimed(ILogger logger, string serviceId, string formerHostId, string hostId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostId} deleted with {ServiceCount} services")]
    private static partial void LogHostDeleted(ILogger logger, string hostId, int serviceCount);
}
