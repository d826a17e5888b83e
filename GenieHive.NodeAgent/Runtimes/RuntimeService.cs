using System.Diagnostics;
using System.Text.Json.Nodes;
using GenieHive.NodeAgent.Protocol;
using GenieHive.NodeAgent.Runtimes.Host;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One served model as a registered service: its stable endpoint on the agent (<see cref="RuntimeEndpoint"/>) and
/// the life of its runtime-host process. The process starts on the first request (or at agent start with
/// <c>preload</c>, or by <c>POST /v1/node/assets/{id}/load</c>); when it fails to load or dies, the service is
/// unhealthy with the reason until the next start, which the next request makes once the backoff (1 s doubling to
/// 60 s) has passed. The later lifecycle work (idle unload, memory budget) drives the same two calls,
/// <see cref="LoadAsync"/> and <see cref="UnloadAsync"/>.
/// </summary>
internal sealed class RuntimeService : IAsyncDisposable
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly RuntimeModel _model;
    private readonly string _hostId;
    private readonly long _maxJsonBodyBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private volatile RuntimeHostProcess? _process;
    private volatile string _loadState = "unloaded";
    private string? _lastError;
    private int _failures;
    private long _retryAt;

    public RuntimeService(RuntimeModel model, string hostId, string nodeAddress, long maxJsonBodyBytes, HttpMessageInvoker forwarder,
        TimeProvider time, ILogger logger)
    {
        _model = model;
        _hostId = hostId;
        _maxJsonBodyBytes = maxJsonBodyBytes;
        _time = time;
        _logger = logger;
        _lastError = model.Problem;
        if (model.Problem is not null)
        {
            _loadState = "failed";
        }

        Endpoint = new RuntimeEndpoint(this, model.Entry.ListenHost, nodeAddress, forwarder, logger);
    }

    public RuntimeModel Model => _model;

    public RuntimeEndpoint Endpoint { get; }

    public bool Loaded => _process is not null;

    /// <summary>The runtime host's own endpoint while loaded (the benchmark's direct baseline), else null.</summary>
    public string? HostEndpoint => _process is { } process ? $"http://127.0.0.1:{process.Port}" : null;

    /// <summary>
    /// The port of the loaded host, starting it when needed; or the error to answer: the backoff after a failure
    /// (503 with <c>Retry-After</c>), a load timeout (503 <c>model_load_timeout</c>), a failed load (502).
    /// </summary>
    public async Task<(int Port, ApiError? Error, int? RetryAfter)> LoadAsync(CancellationToken cancellationToken)
    {
        if (_process is { } running)
        {
            return (running.Port, null, null);
        }

        if (_model.Problem is { } problem)
        {
            return (0, new ApiError(503, $"'{_model.AssetId}' cannot be served: {problem}.", ErrorCodes.NoHealthyTarget), null);
        }

        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_process is { } started)
            {
                return (started.Port, null, null);
            }

            var wait = TimeSpan.FromTicks(Interlocked.Read(ref _retryAt) - _time.GetUtcNow().UtcTicks);
            if (wait > TimeSpan.Zero)
            {
                var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                return (0, new ApiError(503, $"The runtime of '{_model.AssetId}' failed ({_lastError}); it restarts in {seconds} s.",
                    ErrorCodes.NoHealthyTarget), seconds);
            }

            _loadState = "loading";
            var clock = Stopwatch.StartNew();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            var (process, failure, timedOut) = await RuntimeHostProcess.StartAsync(Spec(), TimeSpan.FromSeconds(_model.Entry.LoadTimeoutS), linked.Token);
            if (process is null)
            {
                Fail(failure!);
                return timedOut
                    ? (0, new ApiError(503, $"'{_model.AssetId}' did not load within {_model.Entry.LoadTimeoutS} s.", ErrorCodes.ModelLoadTimeout), null)
                    : (0, new ApiError(502, $"The runtime of '{_model.AssetId}' failed: {failure}.", ErrorCodes.UpstreamError), null);
            }

            _process = process;
            _loadState = "loaded";
            _lastError = null;
            _failures = 0;
            _logger.Loaded(_model.ServiceId, process.Pid, process.Port, clock.ElapsedMilliseconds);
            _ = WatchAsync(process);
            return (process.Port, null, null);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops the host process (the model leaves memory); the endpoint stays and loads it again on demand.</summary>
    public async Task UnloadAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_process is { } process)
            {
                _process = null;
                await process.DisposeAsync();
                _loadState = "unloaded";
                _logger.Unloaded(_model.ServiceId);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>The service as registered (docs/runtimes.md "As a service").</summary>
    public ServiceReport Report()
    {
        var process = _process;
        var loaded = process is not null;
        var failed = _loadState == "failed";
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
            ["last_error"] = _lastError,
            // The runtime host itself, while loaded: for diagnostics and the benchmark's direct baseline (loopback only).
            ["pid"] = process?.Pid,
            ["host_port"] = process?.Port,
        };
        var asset = new Asset(_model.AssetId, loaded, _model.Context, _model.TrainedContext ?? _model.Context, _model.Family);
        var state = new ServiceState(failed ? "unhealthy" : "healthy", _loadState);
        var observed = new ServiceObserved(InFlight: Endpoint.InFlight, LoadedModelCount: loaded ? 1 : 0);
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

    private async Task WatchAsync(RuntimeHostProcess process)
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
        _logger.Failed(_model.ServiceId, reason, backoff.TotalSeconds);
    }

    private RuntimeHostSpec Spec() => new(
        _model.Entry.Engine,
        _model.AssetId,
        _model.Kind,
        _model.Path,
        _model.Context,
        _model.Entry.Parallel,
        _model.Entry.Queue,
        _model.Entry.Threads,
        _model.Pooling,
        Environment.ProcessId,
        _maxJsonBodyBytes);
}
