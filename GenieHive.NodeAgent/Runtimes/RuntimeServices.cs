using System.Collections.Frozen;
using System.Net;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The models of <c>runtimes:</c> (N3) as services: their endpoints open before the agent registers, their
/// processes start on demand (or at start with <c>preload</c>) and are killed when the agent stops.
/// </summary>
internal sealed class RuntimeServices : IHostedService, IAsyncDisposable
{
    private readonly HttpMessageInvoker _http;
    private readonly FrozenDictionary<string, RuntimeService> _byAsset;
    private int _disposed;

    public RuntimeServices(NodeConfig config, TimeProvider time, ILogger<RuntimeServices> logger)
    {
        // The readiness probes of external servers (engine `process`; requests themselves go through each model's
        // relay): no proxy, redirects, cookies or decompression; connects are to loopback, so their timeout is short.
        _http = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        });
        var models = RuntimeCatalog.Build(config, message => logger.CatalogWarning(message));
        Budget = new MemoryBudget(config.RuntimeBudget);
        All = models
            .Select(m => new RuntimeService(m, config.Node.HostId, config.Node.EffectiveAddress,
                (config.MaxJsonBodyBytes, config.MaxMultipartBodyBytes), _http, Budget, time, logger))
            .ToList();
        foreach (var service in All)
        {
            Budget.Add(service);
        }

        _byAsset = All.ToFrozenDictionary(s => s.Model.AssetId, StringComparer.Ordinal);
    }

    public IReadOnlyList<RuntimeService> All { get; }

    public MemoryBudget Budget { get; }

    public RuntimeService? Find(string assetId) => _byAsset.GetValueOrDefault(assetId);

    public IReadOnlyList<ServiceReport> Reports() => All.Select(s => s.Report()).ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var service in All)
        {
            await service.Endpoint.StartAsync(cancellationToken);
        }

        foreach (var service in All)
        {
            if (service.Model.Entry.Preload && service.Model.Problem is null)
            {
                // In the background: a large model must not hold the agent's start (and its registration) back.
                _ = Task.Run(() => service.LoadAsync(CancellationToken.None), CancellationToken.None);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await Task.WhenAll(All.Select(s => s.DisposeAsync().AsTask()));
        _http.Dispose();
        Budget.Dispose();
    }
}
