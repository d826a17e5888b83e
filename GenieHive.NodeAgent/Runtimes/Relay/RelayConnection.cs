using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using GenieHive.NodeAgent.Telemetry;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.WebUtilities;

namespace GenieHive.NodeAgent.Runtimes.Relay;

/// <summary>
/// One client connection of a runtime endpoint, HTTP/1.1 with keep-alive: each request's head is parsed for its
/// framing and path only and then sent on to the model's runtime host as it came (its <c>traceparent</c> replaced when
/// the agent traces), the body in both directions passed through as it arrives and sent on at once, each read of the
/// response (an SSE event, say) in one write to the client. <c>/health</c> and the errors that happen here (a model
/// that cannot load, a host that is gone) are answered here, in the error envelope.
/// <para>While a response is relayed a read is kept pending on the client's socket: a client that leaves closes the
/// host connection at once (the host then stops generating), as it would with a full HTTP server.</para>
/// </summary>
internal sealed class RelayConnection
{
    private const int BufferBytes = 16 * 1024;
    private static readonly byte[] HealthBody = "{\"status\":\"ok\"}"u8.ToArray();

    private readonly Socket _client;
    private readonly RuntimeEndpoint _endpoint;
    private readonly CancellationToken _stopping;
    private byte[] _in = ArrayPool<byte>.Shared.Rent(BufferBytes);
    private int _start;
    private int _end;
    private Task<int>? _pending;
    private Socket? _active;
    private volatile bool _clientGone;
    private bool _lingering;

    public RelayConnection(Socket client, RuntimeEndpoint endpoint, CancellationToken stopping)
    {
        _client = client;
        _endpoint = endpoint;
        _stopping = stopping;
    }

    public Socket Client => _client;

    public async Task RunAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested && await ServeOneAsync())
            {
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            // The client left or broke the connection: nothing to answer.
        }
        finally
        {
            // A graceful end: what was sent is delivered, then FIN (disposing a socket with a read pending would
            // otherwise reset it). Where a response is broken on purpose the socket is already disposed.
            try
            {
                _client.Shutdown(SocketShutdown.Send);
                if (_lingering && _pending is null)
                {
                    // After an error that closes the connection, what the client still sends is read and dropped
                    // for a moment: closing with unread bytes would reset the connection, and the client could lose
                    // the answer.
                    await LingerAsync();
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
            }

            _client.Dispose();
            Interlocked.Exchange(ref _active, null)?.Dispose();
            if (_pending is { } pending)
            {
                // Its buffer goes back to the pool only when the socket no longer writes into it.
                await pending.ContinueWith(static task => _ = task.Exception, TaskScheduler.Default).ConfigureAwait(false);
            }

            ArrayPool<byte>.Shared.Return(_in);
        }
    }

    private async Task<bool> ServeOneAsync()
    {
        var headLength = await ReadHeadAsync();
        if (headLength < 0)
        {
            return false;
        }

        if (headLength == 0)
        {
            await SendErrorAsync(new ApiError(431, $"The request head is longer than {HttpHead.MaxBytes} bytes.", ErrorCodes.InvalidRequest), null, close: true);
            return false;
        }

        if (!HttpHead.TryParseRequest(_in.AsSpan(_start, headLength), out var request, out var problem))
        {
            await SendErrorAsync(new ApiError(400, problem!, ErrorCodes.InvalidRequest), null, close: true);
            return false;
        }

        if (request.Path == "/health")
        {
            _start += headLength;
            if (!await DrainBodyAsync(new BodyFraming(request.Body, request.Length)))
            {
                return false;
            }

            return await SendHealthAsync(request);
        }

        return await ForwardAsync(request, headLength);
    }

    private async Task<bool> ForwardAsync(RequestHead request, int headLength)
    {
        var service = _endpoint.Service;
        var status = 0;
        _endpoint.Enter();
        var activity = NodeTelemetry.StartServe(request.Method, request.Path, request.TraceParent, request.TraceState,
            service.Model.ServiceId, service.Model.EngineName);
        try
        {
            var (port, error, retryAfter) = await service.LoadAsync(_stopping);
            if (error is not null)
            {
                status = error.Status;
                _start += headLength;
                var drained = await DrainBodyAsync(new BodyFraming(request.Body, request.Length));
                await SendErrorAsync(error, retryAfter, close: !drained || !request.KeepAlive);
                return drained && request.KeepAlive;
            }

            (status, var keep) = await RelayAsync(request, headLength, port, activity);
            return keep;
        }
        finally
        {
            NodeTelemetry.Stop(activity, status);

            // Touched before it stops counting: once in-flight reads 0, the idle clock has its end.
            service.Touch();
            _endpoint.Exit();
        }
    }

    /// <summary>One request to the host and its response back; the status the client got (0: none) and whether the connection goes on.</summary>
    private async Task<(int Status, bool Keep)> RelayAsync(RequestHead request, int headLength, int port, Activity? activity)
    {
        var body = new BodyFraming(request.Body, request.Length);
        var buffered = body.Advance(_in.AsSpan(_start + headLength, _end - _start - headLength));
        if (buffered < 0)
        {
            await SendErrorAsync(new ApiError(400, "The chunked request body is malformed.", ErrorCodes.InvalidRequest), null, close: true);
            return (400, false);
        }

        // Head and what came of the body with it leave in one write. When that was the whole request it can be sent
        // again on a new connection if a kept one turns out to have been closed by its host: its bytes stay where
        // they are in the buffer until the response has begun.
        var (rewritten, rewrittenLength) = Rewrite(_in.AsSpan(_start, headLength), activity);
        var head = rewritten is null ? _in.AsMemory(_start, headLength) : rewritten.AsMemory(0, rewrittenLength);
        var first = _in.AsMemory(_start + headLength, buffered);
        _start += headLength + buffered;
        var upstreamBuffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var upstream = attempt == 0 ? _endpoint.Connections.Rent(port) : null;
                var reused = upstream is not null;
                try
                {
                    upstream ??= await HostConnections.ConnectAsync(port, _stopping);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    _endpoint.Logger.ForwardFailed(_endpoint.Service.Model.ServiceId, ex);
                    return await UnreachableAsync(request, body);
                }

                Interlocked.Exchange(ref _active, upstream);
                if (_clientGone)
                {
                    // The client left while this connection was being opened (a retry's connect).
                    ReleaseUpstream(reuse: false);
                    return (0, false);
                }

                var outcome = await ExchangeAsync(request, upstream, head, first, body, upstreamBuffer, canRetry: reused && body.IsDone);
                if (outcome.Retry && !_clientGone)
                {
                    ReleaseUpstream(reuse: false);
                    continue;
                }

                if (outcome.Failure is { } failure && !_clientGone)
                {
                    _endpoint.Logger.ForwardFailed(_endpoint.Service.Model.ServiceId, failure);
                }

                if (outcome.Status == 0 && !_clientGone)
                {
                    // Nothing reached the client: the envelope can still be sent.
                    ReleaseUpstream(reuse: false);
                    return await UnreachableAsync(request, outcome.Request switch
                    {
                        RequestProgress.Sent => new BodyFraming(BodyKind.None, 0),
                        RequestProgress.FirstWrite => body,
                        _ => null,
                    });
                }

                // A host that answered before it had the whole body leaves the rest of it with the client.
                _lingering |= outcome.Request != RequestProgress.Sent;
                ReleaseUpstream(outcome.UpstreamReusable, port);
                return (outcome.Status, outcome.ClientKeep && !_clientGone);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(upstreamBuffer);
            if (rewritten is not null)
            {
                ArrayPool<byte>.Shared.Return(rewritten);
            }
        }
    }

    /// <summary>How much of the request the host got.</summary>
    private enum RequestProgress
    {
        /// <summary>At most the first write (head and the body that came with it); the rest of the body still with the client.</summary>
        FirstWrite,

        /// <summary>Part of the body after the first write: the client's connection cannot be read on cleanly.</summary>
        Partial,

        /// <summary>All of it.</summary>
        Sent,
    }

    /// <param name="Status">The status relayed to the client, 0 when nothing was.</param>
    private readonly record struct Exchange(int Status, RequestProgress Request, bool ClientKeep, bool UpstreamReusable, bool Retry, Exception? Failure)
    {
        public static Exchange Failed(RequestProgress request, Exception? failure) => new(0, request, false, false, false, failure);

        public static Exchange Again(RequestProgress request) => new(0, request, false, false, true, null);

        public static Exchange Broken(int status, RequestProgress request, Exception? failure) => new(status, request, false, false, false, failure);
    }

    private async Task<Exchange> ExchangeAsync(
        RequestHead request, Socket upstream, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> first, BodyFraming body,
        byte[] buffer, bool canRetry)
    {
        // The request. A host that stops reading may still have answered (a 413, say): its answer is read below.
        var progress = RequestProgress.FirstWrite;
        try
        {
            await SendAsync(upstream, head, first);
            if (!body.IsDone)
            {
                progress = RequestProgress.Partial;
                if (!await StreamBodyAsync(upstream, body))
                {
                    return Exchange.Failed(progress, null);
                }
            }

            progress = RequestProgress.Sent;
            canRetry = WatchClient(keepRequest: canRetry) && canRetry;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            if (_clientGone || (canRetry && progress == RequestProgress.FirstWrite))
            {
                return Exchange.Again(progress);
            }
        }

        // The response's head, after any 1xx interim responses (relayed as they come).
        int start = 0, end = 0, headEnd;
        ResponseHead response;
        try
        {
            while (true)
            {
                var scanned = 0;
                while ((headEnd = HttpHead.FindEnd(buffer.AsSpan(start, end - start), ref scanned)) < 0)
                {
                    if (end - start >= HttpHead.MaxBytes || end == buffer.Length)
                    {
                        return Exchange.Failed(progress, new InvalidDataException("The runtime host's response head is too long."));
                    }

                    var read = await upstream.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                    if (read == 0)
                    {
                        return canRetry && end == 0
                            ? Exchange.Again(progress)
                            : Exchange.Failed(progress, new IOException("The runtime host closed the connection before its response."));
                    }

                    end += read;
                }

                if (!HttpHead.TryParseResponse(buffer.AsSpan(start, headEnd), request.Method == "HEAD", out response, out var problem))
                {
                    return Exchange.Failed(progress, new InvalidDataException(problem));
                }

                if (response.Status >= 200)
                {
                    break;
                }

                if (response.Status == 101)
                {
                    return Exchange.Failed(progress, new InvalidDataException("The runtime host switched protocols."));
                }

                if (!await SendToClientAsync(buffer.AsMemory(start, headEnd)))
                {
                    return Exchange.Failed(progress, null);
                }

                start += headEnd;
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return canRetry && end == 0 ? Exchange.Again(progress) : Exchange.Failed(progress, ex);
        }

        // Its body, read by read, each read sent on at once.
        var framing = new BodyFraming(response.Body, response.Length);
        var taken = framing.Advance(buffer.AsSpan(start + headEnd, end - start - headEnd));
        if (taken < 0)
        {
            return Exchange.Failed(progress, new InvalidDataException("The runtime host's chunked body is malformed."));
        }

        var status = response.Status;
        var clean = start + headEnd + taken == end;
        if (!await SendToClientAsync(buffer.AsMemory(start, headEnd + taken)))
        {
            return Exchange.Broken(status, progress, null);
        }

        try
        {
            while (!framing.IsDone)
            {
                var read = await upstream.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    if (framing.EndsAtClose)
                    {
                        return Exchange.Broken(status, progress, null);
                    }

                    // The host died mid-response: the client must see a broken response, not a short one.
                    _client.Dispose();
                    return Exchange.Broken(status, progress, new IOException("The runtime host closed the connection mid-response."));
                }

                taken = framing.Advance(buffer.AsSpan(0, read));
                if (taken < 0)
                {
                    _client.Dispose();
                    return Exchange.Broken(status, progress, new InvalidDataException("The runtime host's chunked body is malformed."));
                }

                clean &= taken == read;
                if (!await SendToClientAsync(buffer.AsMemory(0, taken)))
                {
                    return Exchange.Broken(status, progress, null);
                }
            }
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            _client.Dispose();
            return Exchange.Broken(status, progress, ex);
        }

        var keep = progress == RequestProgress.Sent && request.KeepAlive && response.KeepAlive;
        return new Exchange(status, progress, keep, keep && clean, false, null);
    }

    /// <summary>Sends the rest of a request body from the client to the host as it arrives; false when the client left or broke its framing.</summary>
    private async Task<bool> StreamBodyAsync(Socket upstream, BodyFraming body)
    {
        while (!body.IsDone)
        {
            Compact();
            int read;
            try
            {
                read = await _client.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None);
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                read = 0;
            }

            if (read == 0)
            {
                _clientGone = true;
                return false;
            }

            _end += read;
            var taken = body.Advance(_in.AsSpan(_start, read));
            if (taken < 0)
            {
                // Part of the request went on already: neither side can be answered cleanly.
                _clientGone = true;
                _client.Dispose();
                return false;
            }

            await SendAllAsync(upstream, _in.AsMemory(_start, taken));
            _start += taken;
        }

        return true;
    }

    /// <summary>Reads and discards the rest of a request body the host will not get; false when the client's framing is broken or it left.</summary>
    private async Task<bool> DrainBodyAsync(BodyFraming body)
    {
        while (true)
        {
            var taken = body.Advance(_in.AsSpan(_start, _end - _start));
            if (taken < 0)
            {
                return false;
            }

            _start += taken;
            if (body.IsDone)
            {
                return true;
            }

            Compact();
            var read = await _client.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }
    }

    /// <summary>
    /// The head's length with its blank line; -1 when the client closed between requests; 0 when it is too long.
    /// </summary>
    private async Task<int> ReadHeadAsync()
    {
        var scanned = 0;
        while (true)
        {
            var length = HttpHead.FindEnd(_in.AsSpan(_start, _end - _start), ref scanned);
            if (length > 0)
            {
                return length;
            }

            if (_end - _start >= HttpHead.MaxBytes)
            {
                return 0;
            }

            int read;
            if (_pending is { } pending)
            {
                _pending = null;
                read = await pending;
            }
            else
            {
                Compact();
                read = await _client.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None);
            }

            if (read == 0)
            {
                // Between requests, or within a head: either way there is nothing to answer.
                return -1;
            }

            _end += read;
        }
    }

    /// <summary>Moves unread bytes to the start of the buffer, and grows it when it is full.</summary>
    private void Compact()
    {
        if (_start > 0)
        {
            _in.AsSpan(_start, _end - _start).CopyTo(_in);
            _end -= _start;
            _start = 0;
        }

        if (_end == _in.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(_in.Length * 2);
            _in.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_in);
            _in = larger;
        }
    }

    /// <summary>
    /// Keeps a read pending on the client's socket while the response is awaited and relayed. Bytes that arrive (the
    /// next request) stay for <see cref="ReadHeadAsync"/>; an end or an error means the client left, and the host
    /// connection is closed so that the host stops. The read goes after the request's bytes when
    /// <paramref name="keepRequest"/> and there is room (they may be sent again); false when they were given up.
    /// </summary>
    private bool WatchClient(bool keepRequest)
    {
        if (_pending is not null || _start != _end)
        {
            return false;
        }

        var kept = keepRequest && _in.Length - _end >= 1024;
        if (!kept)
        {
            _start = _end = 0;
        }

        _pending = _client.ReceiveAsync(_in.AsMemory(_end), SocketFlags.None).AsTask();
        _pending.ContinueWith(static (task, state) =>
        {
            _ = task.Exception;
            if (!task.IsCompletedSuccessfully || task.Result == 0)
            {
                ((RelayConnection)state!).ClientLeft();
            }
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return kept;
    }

    private void ClientLeft()
    {
        _clientGone = true;
        Interlocked.Exchange(ref _active, null)?.Dispose();
    }

    private void ReleaseUpstream(bool reuse, int port = 0)
    {
        if (Interlocked.Exchange(ref _active, null) is not { } upstream)
        {
            return;
        }

        if (reuse && !_clientGone)
        {
            _endpoint.Connections.Return(upstream, port);
        }
        else
        {
            upstream.Dispose();
        }
    }

    /// <param name="rest">What is left of the request body with the client (drained before the answer), or null
    /// when part of it went to the host already (the connection then closes).</param>
    private async Task<(int Status, bool Keep)> UnreachableAsync(RequestHead request, BodyFraming? rest)
    {
        // The host died between the load check and this request, or during it; its exit is being recorded.
        var drained = rest is { } body && await DrainBodyAsync(body);
        var keep = drained && request.KeepAlive;
        await SendErrorAsync(new ApiError(502, $"The runtime of '{_endpoint.Service.Model.AssetId}' is not reachable.", ErrorCodes.UpstreamError), null, close: !keep);
        return (502, keep);
    }

    /// <summary>The head with this endpoint's span as the host's parent (a pooled array), or null to send it as it came.</summary>
    private static (byte[]? Array, int Length) Rewrite(ReadOnlySpan<byte> head, Activity? activity)
    {
        if (activity is not { IdFormat: ActivityIdFormat.W3C })
        {
            return (null, 0);
        }

        var builder = new StringBuilder(head.Length + 128);
        var lines = Encoding.Latin1.GetString(head).Split("\r\n");
        builder.Append(lines[0]).Append("\r\n");
        foreach (var line in lines.AsSpan(1))
        {
            if (line.Length > 0
                && !line.StartsWith("traceparent:", StringComparison.OrdinalIgnoreCase)
                && !line.StartsWith("tracestate:", StringComparison.OrdinalIgnoreCase))
            {
                builder.Append(line).Append("\r\n");
            }
        }

        builder.Append("traceparent: ").Append(activity.Id).Append("\r\n");
        if (activity.TraceStateString is { Length: > 0 } state)
        {
            builder.Append("tracestate: ").Append(state).Append("\r\n");
        }

        var text = builder.Append("\r\n").ToString();
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.Latin1.GetByteCount(text));
        return (bytes, Encoding.Latin1.GetBytes(text, bytes));
    }

    private async Task<bool> SendHealthAsync(RequestHead request)
    {
        var report = _endpoint.Service.Report();
        if (report.State.Health != "healthy")
        {
            var reason = report.Runtime["last_error"]?.GetValue<string>() ?? "Unhealthy.";
            await SendErrorAsync(new ApiError(503, reason, ErrorCodes.NotReady), null, close: !request.KeepAlive);
        }
        else
        {
            await SendResponseAsync(200, request.Method == "HEAD" ? [] : HealthBody, null, !request.KeepAlive, HealthBody.Length);
        }

        return request.KeepAlive;
    }

    private async Task LingerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        while (await _client.ReceiveAsync(_in, SocketFlags.None, timeout.Token) > 0)
        {
        }
    }

    private Task SendErrorAsync(ApiError error, int? retryAfter, bool close)
    {
        _lingering |= close;
        var body = ErrorWriter.ToUtf8(error);
        return SendResponseAsync(error.Status, body, retryAfter, close, body.Length);
    }

    private async Task SendResponseAsync(int status, byte[] body, int? retryAfter, bool close, int contentLength)
    {
        var head = new StringBuilder(160)
            .Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(ReasonPhrases.GetReasonPhrase(status)).Append("\r\n")
            .Append("Content-Type: application/json; charset=utf-8\r\n")
            .Append("Content-Length: ").Append(contentLength.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        if (retryAfter is { } seconds)
        {
            head.Append("Retry-After: ").Append(seconds.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        if (close)
        {
            head.Append("Connection: close\r\n");
        }

        head.Append("\r\n");
        await SendAsync(_client, Encoding.ASCII.GetBytes(head.ToString()), body);
    }

    private static async ValueTask SendAsync(Socket socket, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second)
    {
        if (second.IsEmpty)
        {
            await SendAllAsync(socket, first);
            return;
        }

        if (first.Length + second.Length <= BufferBytes)
        {
            // One write: a head and the body that came with it leave in one segment.
            var joined = ArrayPool<byte>.Shared.Rent(first.Length + second.Length);
            try
            {
                first.CopyTo(joined);
                second.CopyTo(joined.AsMemory(first.Length));
                await SendAllAsync(socket, joined.AsMemory(0, first.Length + second.Length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(joined);
            }

            return;
        }

        await SendAllAsync(socket, first);
        await SendAllAsync(socket, second);
    }

    /// <summary>Sends to the client; false (and the client marked gone) when it has left.</summary>
    private async ValueTask<bool> SendToClientAsync(ReadOnlyMemory<byte> data)
    {
        try
        {
            await SendAllAsync(_client, data);
            return true;
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            _clientGone = true;
            return false;
        }
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is SocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
