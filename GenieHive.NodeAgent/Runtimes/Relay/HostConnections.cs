using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GenieHive.NodeAgent.Runtimes.Relay;

/// <summary>
/// Idle keep-alive connections to one model's runtime hosts (loopback). A connection is kept only for the port it was
/// opened to (a restarted host has a new one), for at most <see cref="IdleLimit"/>, and is checked before reuse:
/// one that has become readable while idle was closed by its host (or sent something unasked) and is dropped.
/// </summary>
internal sealed class HostConnections : IDisposable
{
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private const int MaxIdle = 64;

    private readonly ConcurrentStack<Idle> _idle = new();
    private readonly TimeProvider _time;
    private int _disposed;

    public HostConnections(TimeProvider time) => _time = time;

    /// <summary>A kept connection to <paramref name="port"/>, or null when there is none.</summary>
    public Socket? Rent(int port)
    {
        var now = _time.GetTimestamp();
        while (_idle.TryPop(out var idle))
        {
            if (idle.Port == port && _time.GetElapsedTime(idle.Since, now) < IdleLimit && IsQuiet(idle.Socket))
            {
                return idle.Socket;
            }

            idle.Socket.Dispose();
        }

        return null;
    }

    /// <summary>Keeps <paramref name="socket"/> (which finished a request and response cleanly) for reuse.</summary>
    public void Return(Socket socket, int port)
    {
        if (Volatile.Read(ref _disposed) != 0 || _idle.Count >= MaxIdle)
        {
            socket.Dispose();
            return;
        }

        _idle.Push(new Idle(socket, port, _time.GetTimestamp()));
        if (Volatile.Read(ref _disposed) != 0)
        {
            Drain();
        }
    }

    /// <summary>A new connection to the host on <paramref name="port"/>.</summary>
    public static async ValueTask<Socket> ConnectAsync(int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _disposed, 1);
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryPop(out var idle))
        {
            idle.Socket.Dispose();
        }
    }

    private static bool IsQuiet(Socket socket)
    {
        try
        {
            return !socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private readonly record struct Idle(Socket Socket, int Port, long Since);
}
