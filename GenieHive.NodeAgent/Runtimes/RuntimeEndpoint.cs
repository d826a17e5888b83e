using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Runtimes.Relay;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The stable endpoint of one served model: its own listener on the agent, which outlives the model's runtime-host
/// (or server) processes. It is a byte relay, not a second HTTP server: each request's head is parsed for its framing
/// only and sent on to the current host as it came, the bodies pass through in both directions as they arrive, and
/// each read of the response (an SSE event) is written to the client at once (<see cref="RelayConnection"/>). Only
/// <c>/health</c>, from the service's state (so that probes never load a model), and the errors of this hop are
/// answered here. Every request counts in <see cref="InFlight"/> and touches the service (idle unload).
/// </summary>
internal sealed class RuntimeEndpoint : IAsyncDisposable
{
    private readonly string _listenHost;
    private readonly string _nodeAddress;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<RelayConnection, Task> _connections = new();
    private Socket? _listener;
    private Task? _accepting;
    private int _inFlight;

    public RuntimeEndpoint(RuntimeService service, string listenHost, string nodeAddress, TimeProvider time, ILogger logger)
    {
        Service = service;
        _listenHost = listenHost;
        _nodeAddress = nodeAddress;
        Connections = new HostConnections(time);
        Logger = logger;
    }

    public int Port { get; private set; }

    public int InFlight => Volatile.Read(ref _inFlight);

    public string Url
    {
        get
        {
            var host = ListenAddress.IsWildcard(_listenHost) ? _nodeAddress : _listenHost;
            if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
            {
                host = $"[{host}]";
            }

            return $"http://{host}:{Port}";
        }
    }

    internal RuntimeService Service { get; }

    internal HostConnections Connections { get; }

    internal ILogger Logger { get; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var address = ListenAddress.ToBindAddress(_listenHost);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(address, 0));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        _listener = listener;
        _accepting = AcceptAsync(listener);
        return Task.CompletedTask;
    }

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal void Exit() => Interlocked.Decrement(ref _inFlight);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _listener, null) is not { } listener)
        {
            return;
        }

        _stopping.Cancel();
        listener.Dispose();
        if (_accepting is { } accepting)
        {
            await accepting;
        }

        foreach (var connection in _connections.Keys)
        {
            connection.Client.Dispose();
        }

        await Task.WhenAll(_connections.Values);
        Connections.Dispose();
        _stopping.Dispose();
    }

    private async Task AcceptAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException
                || (ex is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that failed while it was being accepted (reset by its client); the listener goes on.
                continue;
            }

            client.NoDelay = true;
            var connection = new RelayConnection(client, this, _stopping.Token);
            _connections[connection] = RunAsync(connection);
        }
    }

    private async Task RunAsync(RelayConnection connection)
    {
        // Off the accept loop: the connection's first read must not hold up the next accept.
        await Task.Yield();
        try
        {
            await connection.RunAsync();
        }
        finally
        {
            _connections.TryRemove(connection, out _);
        }
    }
}
