using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// One simulated OpenAI-compatible server (N1) on its own loopback Kestrel listener. It is a bare
/// <see cref="KestrelServer"/> with its own <see cref="IHttpApplication{TContext}"/>, not a WebApplication: no hosting
/// diagnostics (its server span comes from <see cref="Telemetry.NodeTelemetry"/>, only when something listens), no
/// logging per request, nothing between the socket and the handler. Kill closes the listener and aborts in-flight
/// requests; revive reopens the same port.
/// </summary>
internal sealed partial class SimulatedServer : IAsyncDisposable
{
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly SimulatedDice _dice;
    private readonly byte[] _modelsBody;
    private readonly Dictionary<string, byte[]> _encodedModels;
    private KestrelServer? _server;
    private int _disposed;
    private CancellationTokenSource _alive = new();

    public SimulatedServer(SimulatedServerConfig config, string nodeAddress, string hostId, long maxJsonBodyBytes, IServiceProvider services,
        TimeProvider time)
    {
        Config = config;
        HostId = hostId;
        NodeAddress = nodeAddress;
        MaxJsonBodyBytes = maxJsonBodyBytes;
        _services = services;
        _time = time;
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<SimulatedServer>();
        _dice = new SimulatedDice(config.Seed);
        _modelsBody = BuildModelsBody(config, time);
        _encodedModels = config.Models.DistinctBy(m => m.Id)
            .ToDictionary(m => m.Id, m => JsonEncodedText.Encode(m.Id, SimulatedJson.WriterOptions.Encoder).EncodedUtf8Bytes.ToArray(), StringComparer.Ordinal);
        Port = config.Port;
    }

    public SimulatedServerConfig Config { get; }

    public string HostId { get; }

    public string NodeAddress { get; }

    public long MaxJsonBodyBytes { get; }

    /// <summary>The bound port (the configured one, or the free port drawn at first start).</summary>
    public int Port { get; private set; }

    public bool Killed { get; private set; } = true;

    public TraceRing Traces { get; } = new();

    public string Endpoint
    {
        get
        {
            var host = ListenAddress.IsWildcard(Config.ListenHost) ? NodeAddress : Config.ListenHost;
            if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                host = $"[{host}]";
            }

            return $"http://{host}:{Port}";
        }
    }

    /// <summary>Opens the listener (port 0 draws a free port, kept for every revive).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_server is not null)
            {
                return;
            }

            var options = new KestrelServerOptions { ApplicationServices = _services, AddServerHeader = false };
            options.Limits.MaxRequestBodySize = null;
            options.Listen(new IPEndPoint(ListenAddress.ToBindAddress(Config.ListenHost), Port));
            var transport = new SocketTransportFactory(Options.Create(InlineIo.TransportOptions()), NullLoggerFactory.Instance);
            var server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
            lock (_gate)
            {
                _alive = new CancellationTokenSource();
            }

            await server.StartAsync(new Application(this), cancellationToken);
            var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
            _server = server;
            Killed = false;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>The kill switch: listener closed, in-flight requests aborted, connections refused until revived.</summary>
    public async Task KillAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            Killed = true;
            if (_server is not { } server)
            {
                return;
            }

            _server = null;
            CancellationTokenSource alive;
            lock (_gate)
            {
                alive = _alive;
            }

            await alive.CancelAsync();
            // An already-cancelled token makes Kestrel abort open connections instead of draining them.
            await server.StopAsync(new CancellationToken(canceled: true));
            server.Dispose();
            alive.Dispose();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public Task ReviveAsync(CancellationToken cancellationToken) => StartAsync(cancellationToken);

    /// <summary>The server as a registered service (config.md §2.4 "As a service").</summary>
    public ServiceReport Report()
    {
        var c = Config;
        var contexts = c.Models.Where(m => m.Context is not null).Select(m => m.Context!.Value).ToList();
        var families = c.Models.Select(m => m.Family).Where(f => !string.IsNullOrEmpty(f)).Distinct(StringComparer.Ordinal).ToList();
        var runtime = new JsonObject
        {
            ["engine"] = "simulated",
            ["launcher"] = "geniehive-node",
            ["context_size"] = contexts.Count == 0 ? null : contexts.Max(),
            ["family"] = families.Count == 0 ? null : string.Join(' ', families),
        };
        var assets = c.Models.Select(m => new Asset(m.Id, m.Loaded, m.Context, m.Context, m.Family)).ToList();
        var p50 = c.TtftMs + (c.JitterMs / 2);
        if (c.Kind == "chat" && c.TokensPerS > 0)
        {
            p50 += c.CompletionTokens * 1000.0 / c.TokensPerS;
        }

        var observed = new ServiceObserved(P50LatencyMs: p50, TokensPerSec: c.TokensPerS > 0 ? c.TokensPerS : null);
        var state = new ServiceState(Killed ? "unhealthy" : "healthy", "loaded");
        return new ServiceReport(c.ServiceId, HostId, c.Kind, "openai", Endpoint, runtime, assets, state, observed);
    }

    public async ValueTask DisposeAsync()
    {
        // The host and the container may both dispose; the second call finds nothing to do.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await KillAsync();
        }
    }

    private CancellationToken AliveToken
    {
        get
        {
            lock (_gate)
            {
                return _alive.Token;
            }
        }
    }

    private static byte[] BuildModelsBody(SimulatedServerConfig config, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var model in config.Models)
            {
                writer.WriteStartObject();
                writer.WriteString("id", model.Id);
                writer.WriteString("object", "model");
                writer.WriteNumber("created", created);
                writer.WriteString("owned_by", "geniehive-simulated");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
