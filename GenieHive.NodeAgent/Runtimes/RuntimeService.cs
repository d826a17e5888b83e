using System.Diagnostics;
using System.Text.Json.Nodes;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;
using GenieHive.NodeAgent.Runtimes.Host;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One served model as a registered service: its stable endpoint on the agent (<see cref="RuntimeEndpoint"/>) and
/// the life of its process (docs/runtimes.md "Lifecycle"). The process starts on the first request (or at agent start
/// with <c>preload</c>, or by <c>POST /v1/node/assets/{id}/load</c>); concurrent first requests wait on the same load,
/// each for at most the load timeout. Room is made in the node's <see cref="MemoryBudget"/> first. The process stops
/// when the model has been idle for <c>idle_unload_s</c>, when the budget evicts it, or on request; when it fails to
/// load or dies, the service is unhealthy with the reason until the next start, which the next request makes once the
/// backoff (1 s doubling to 60 s) has passed.
/// </summary>
internal sealed class RuntimeService : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly RuntimeModel _model;
    private readonly string _hostId;
    private readonly long _maxJsonBodyBytes;
    private readonly long _maxMultipartBodyBytes;
    private readonly HttpMessageInvoker _http;
    private readonly MemoryBudget _budget;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile IModelProcess? _process;
    private Task<LoadResult>? _load;
    private volatile string _loadState = "unloaded";
    private string? _lastError;
    private int _failures;
    private long _retryAt;
    private long _lastUsed;
    private long _reservedBytes;
    private long _estimateBytes;
    private int _loadCount;

    public RuntimeService(RuntimeModel model, string hostId, string nodeAddress, (long Json, long Multipart) bodyLimits, HttpMessageInvoker http,
        MemoryBudget budget, TimeProvider time, ILogger logger)
    {
        _model = model;
        _hostId = hostId;
        _maxJsonBodyBytes = bodyLimits.Json;
        _maxMultipartBodyBytes = bodyLimits.Multipart;
        _http = http;
        _budget = budget;
        _time = time;
        _logger = logger;
        _lastError = model.Problem;
        _lastUsed = time.GetUtcNow().UtcTicks;
        if (model.Problem is not null)
        {
            _loadState = "failed";
        }

        Endpoint = new RuntimeEndpoint(this, model.Entry.ListenHost, nodeAddress, time, logger);
    }

    public RuntimeModel Model => _model;

    public RuntimeEndpoint Endpoint { get; }

    public bool Loaded => _process is not null;

    /// <summary>How many times a process was started for this model (successful or not).</summary>
    public int LoadCount => Volatile.Read(ref _loadCount);

    /// <summary>The runtime host's own endpoint while loaded (the benchmark's direct baseline), else null.</summary>
    public string? HostEndpoint => _process is { } process ? $"http://127.0.0.1:{process.Port}" : null;

    /// <summary>UTC ticks of the last request's start or end (the budget evicts the smallest first).</summary>
    public long LastUsedTicks => Interlocked.Read(ref _lastUsed);

    /// <summary>Loaded, no request passing through, and not being loaded: the budget may stop it.</summary>
    public bool IsEvictable => _process is not null && Endpoint.InFlight == 0 && _loadState == "loaded";

    /// <summary>The model's process's resident memory while loaded (null when unmeasurable or not loaded).</summary>
    public long? MeasuredBytes => _process is { } process && _model.Entry.Device == RuntimeConfig.Cpu ? ProcessMemory.ResidentBytes(process.Pid) : null;

    /// <summary>What the model holds of its device's budget: the measurement while loaded, the estimate while loading.</summary>
    public long UsageBytes
    {
        get
        {
            if (_process is not null)
            {
                return MeasuredBytes ?? Interlocked.Read(ref _estimateBytes);
            }

            return Interlocked.Read(ref _reservedBytes);
        }
    }

    /// <summary>Marks the start or end of a request: the model is in use now.</summary>
    public void Touch() => Interlocked.Exchange(ref _lastUsed, _time.GetUtcNow().UtcTicks);

    /// <summary>Called by the budget, under its lock: this model's load holds <paramref name="bytes"/> until it ends.</summary>
    public void Reserve(long bytes)
    {
        Interlocked.Exchange(ref _reservedBytes, bytes);
        Interlocked.Exchange(ref _estimateBytes, bytes);
    }

    /// <summary>
    /// The port of the loaded process, starting it when needed; or the error to answer: the backoff after a failure
    /// (503 with <c>Retry-After</c>), no room (503 <c>insufficient_memory</c>), a load timeout (503
    /// <c>model_load_timeout</c>), a failed load (502). Cancelling stops only this caller's wait, never the shared load.
    /// </summary>
    public async Task<(int Port, ApiError? Error, int? RetryAfter)> LoadAsync(CancellationToken cancellationToken)
    {
        Touch();
        if (_process is { } running)
        {
            return (running.Port, null, null);
        }

        if (_model.Problem is { } problem)
        {
            return (0, new ApiError(503, $"'{_model.AssetId}' cannot be served: {problem}.", ErrorCodes.NoHealthyTarget), null);
        }

        Task<LoadResult> load;
        lock (_gate)
        {
            // Shared by every waiting request: it must not run under (and keep alive) the first one's trace span.
            using (ExecutionContext.SuppressFlow())
            {
                load = _load ??= Task.Run(LoadOnceAsync, CancellationToken.None);
            }
        }

        var result = await load.WaitAsync(cancellationToken);
        return (result.Port, result.Error, result.RetryAfter);
    }

    /// <summary>Stops the process (the model leaves memory); the endpoint stays and loads it again on demand.</summary>
    public Task UnloadAsync() => StopAsync("requested", onlyIfIdle: false);

    /// <summary>Unloads when idle for <c>idle_unload_s</c> at <paramref name="now"/>; true when it did.</summary>
    public async Task<bool> UnloadIfIdleAsync(DateTimeOffset now)
    {
        if (_model.Entry.IdleUnloadS is not { } idle || _process is null || Endpoint.InFlight > 0
            || now.UtcTicks - LastUsedTicks < TimeSpan.FromSeconds(idle).Ticks)
        {
            return false;
        }

        return await StopAsync("idle", onlyIfIdle: true);
    }

    /// <summary>The budget's eviction: unloads unless a request reached the model meanwhile.</summary>
    public Task<bool> EvictAsync() => StopAsync("evicted", onlyIfIdle: true);

    /// <summary>The service as registered (docs/runtimes.md "As a service").</summary>
    public ServiceReport Report()
    {
        var process = _process;
        var loaded = process is not null;
        var failed = _loadState == "failed";
        var device = _model.Entry.Device;
        var runtime = new JsonObject
        {
            ["engine"] = _model.EngineName,
            ["launcher"] = "geniehive-node",
            ["provider_id"] = null,
            ["context_size"] = _model.Context,
            ["max_context_tokens"] = _model.Context,
            ["family"] = _model.Family,
            ["quantization"] = _model.Quantization,
            ["parallel"] = _model.Entry.Parallel,
            ["runtime_id"] = _model.Entry.Id,
            ["device"] = device,
            ["idle_unload_s"] = _model.Entry.IdleUnloadS,
            ["load_timeout_s"] = _model.Entry.LoadTimeoutS,
            ["last_error"] = _lastError,
            // The runtime host itself, while loaded: for diagnostics and the benchmark's direct baseline (loopback only).
            ["pid"] = process?.Pid,
            ["host_port"] = process?.Port,
            ["memory_bytes"] = loaded ? MeasuredBytes : null,
            ["memory_estimate_bytes"] = _model.EstimateBytes(_budget.OverheadBytes(_model.Entry.Engine)),
        };
        if (!loaded)
        {
            // The first request waits for the load: the control plane allows it that long for the first byte.
            runtime["first_byte_timeout_s"] = _model.Entry.LoadTimeoutS;
        }

        var asset = new Asset(_model.AssetId, loaded, _model.Context, _model.TrainedContext ?? _model.Context, _model.Family);
        var state = new ServiceState(failed ? "unhealthy" : "healthy", _loadState);
        var observed = new ServiceObserved(InFlight: Endpoint.InFlight, LoadedModelCount: loaded ? 1 : 0)
        {
            MemoryUsedBytes = _budget.UsedBytes(device),
            MemoryBudgetBytes = _budget.BudgetBytes(device),
        };
        return new ServiceReport(_model.ServiceId, _hostId, _model.Kind, "openai", Endpoint.Url, runtime, [asset], state, observed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Endpoint.DisposeAsync();
        if (_process is { } process)
        {
            _process = null;
            await process.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task<bool> StopAsync(string reason, bool onlyIfIdle)
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is not { } process || (onlyIfIdle && Endpoint.InFlight > 0))
            {
                return false;
            }

            // Reported state changes with _process, before the (slow) process shutdown, so a heartbeat never says
            // "loaded" for a model that no longer takes requests.
            _process = null;
            _loadState = "unloaded";
            await process.DisposeAsync();
            Interlocked.Exchange(ref _reservedBytes, 0);
            _logger.Unloaded(_model.ServiceId, reason);
            return true;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task<LoadResult> LoadOnceAsync()
    {
        try
        {
            return await LoadCoreAsync();
        }
        finally
        {
            lock (_gate)
            {
                _load = null;
            }
        }
    }

    private async Task<LoadResult> LoadCoreAsync()
    {
        await _lifecycle.WaitAsync(_stopping.Token);
        try
        {
            if (_process is { } started)
            {
                return new LoadResult(started.Port, null, null);
            }

            var wait = TimeSpan.FromTicks(Interlocked.Read(ref _retryAt) - _time.GetUtcNow().UtcTicks);
            if (wait > TimeSpan.Zero)
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                return new LoadResult(0, new ApiError(503, $"The runtime of '{_model.AssetId}' failed ({_lastError}); it restarts in {seconds} s.",
                    ErrorCodes.NoHealthyTarget), seconds);
            }

            var timeout = TimeSpan.FromSeconds(_model.Entry.LoadTimeoutS);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            deadline.CancelAfter(timeout);
            ApiError? refused;
            try
            {
                refused = await _budget.ReserveAsync(this, deadline.Token);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                return new LoadResult(0, LoadTimeout(), null);
            }

            if (refused is not null)
            {
                _logger.NoRoom(_model.ServiceId, refused.Message);
                return new LoadResult(0, refused, null);
            }

            _loadState = "loading";
            Interlocked.Increment(ref _loadCount);
            var clock = Stopwatch.StartNew();
            var (process, failure, timedOut) = await StartProcessAsync(timeout, _stopping.Token);
            if (process is null)
            {
                Interlocked.Exchange(ref _reservedBytes, 0);
                Fail(failure!);
                return timedOut
                    ? new LoadResult(0, LoadTimeout(), null)
                    : new LoadResult(0, new ApiError(502, $"The runtime of '{_model.AssetId}' failed: {failure}.", ErrorCodes.UpstreamError), null);
            }

            _process = process;
            _loadState = "loaded";
            _lastError = null;
            _failures = 0;
            if (MeasuredBytes is { } measured)
            {
                _budget.Learn(_model, measured);
            }

            _logger.Loaded(_model.ServiceId, process.Pid, process.Port, clock.ElapsedMilliseconds);
            _ = WatchAsync(process);
            return new LoadResult(process.Port, null, null);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private ApiError LoadTimeout() =>
        new(503, $"'{_model.AssetId}' did not load within {_model.Entry.LoadTimeoutS} s.", ErrorCodes.ModelLoadTimeout);

    private async Task<(IModelProcess? Process, string? Failure, bool TimedOut)> StartProcessAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_model.Entry.Engine == RuntimeConfig.Process)
        {
            var (server, failure, timedOut) = await ServerProcess.StartAsync(_model, _http, timeout, cancellationToken);
            return (server, failure, timedOut);
        }

        var (host, reason, late) = await RuntimeHostProcess.StartAsync(Spec(), timeout, cancellationToken);
        return (host, reason, late);
    }

    private async Task WatchAsync(IModelProcess process)
    {
        var code = await process.Exited;
        if (process.Stopping)
        {
            return;
        }

        await _lifecycle.WaitAsync(CancellationToken.None);
        try
        {
            if (ReferenceEquals(_process, process))
            {
                _process = null;
                Interlocked.Exchange(ref _reservedBytes, 0);
                Fail(process.ExitReason(code, "while serving"));
            }
        }
        finally
        {
            _lifecycle.Release();
        }

        await process.DisposeAsync();
    }

    private void Fail(string reason)
    {
        _failures++;
        var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, _failures - 1)));
        Interlocked.Exchange(ref _retryAt, _time.GetUtcNow().UtcTicks + backoff.Ticks);
        _lastError = reason;
        _loadState = "failed";
        if (_model.Entry.Engine == RuntimeConfig.Process)
        {
            // An external server's lines can hold prompts: they stay in runtime.last_error, out of the log.
            _logger.ServerFailed(_model.ServiceId, backoff.TotalSeconds);
        }
        else
        {
            _logger.Failed(_model.ServiceId, reason, backoff.TotalSeconds);
        }
    }

    private RuntimeHostSpec Spec() => new(
        _model.Entry.Engine,
        _model.AssetId,
        _model.Kind,
        _model.Path,
        _model.Context,
        _model.Entry.Parallel,
        _model.Entry.Queue,
        _model.Entry.Threads ?? _model.Entry.Cpus?.Count ?? CpuReservation.AgentCpuCount,
        _model.Pooling,
        Environment.ProcessId,
        _maxJsonBodyBytes,
        _maxMultipartBodyBytes)
    {
        Cpus = _model.Entry.Cpus?.ToArray(),
    };

    private sealed record LoadResult(int Port, ApiError? Error, int? RetryAfter);
}
