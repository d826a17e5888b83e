using System.Buffers;
using System.Diagnostics;
using System.Net;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Telemetry;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The stable endpoint of one served model: its own listener on the agent (a bare <see cref="KestrelServer"/>, as the
/// simulated servers have), which outlives the model's runtime-host processes. Each request is passed through to the
/// current host byte for byte: headers once (an event stream's at once, before its first event), then the body in
/// both directions as it arrives, flushed after every read, so each SSE event leaves when the model produced it. Only <c>/health</c> is answered here, from the
/// service's state, so that probes never load a model.
/// </summary>
internal sealed class RuntimeEndpoint : IAsyncDisposable
{
    private static readonly byte[] HealthBody = "{\"status\":\"ok\"}"u8.ToArray();
    private static readonly string[] RequestHeaders = ["Content-Type", "Accept", "X-Request-Id", "traceparent", "tracestate"];

    private readonly RuntimeService _service;
    private readonly string _listenHost;
    private readonly string _nodeAddress;
    private readonly HttpMessageInvoker _forwarder;
    private readonly ILogger _logger;
    private KestrelServer? _server;
    private int _inFlight;

    public RuntimeEndpoint(RuntimeService service, string listenHost, string nodeAddress, HttpMessageInvoker forwarder, ILogger logger)
    {
        _service = service;
        _listenHost = listenHost;
        _nodeAddress = nodeAddress;
        _forwarder = forwarder;
        _logger = logger;
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

    public async Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        options.Limits.MaxRequestBodySize = null;
        options.Listen(new IPEndPoint(ListenAddress.ToBindAddress(_listenHost), 0));
        var transport = new SocketTransportFactory(Options.Create(InlineIo.TransportOptions()), NullLoggerFactory.Instance);
        var server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
        await server.StartAsync(new Application(this), cancellationToken);
        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        _server = server;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.StopAsync(new CancellationToken(canceled: true));
            server.Dispose();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/health")
        {
            await HealthAsync(context);
            return;
        }

        Interlocked.Increment(ref _inFlight);
        var activity = NodeTelemetry.StartServe(context, _service.Model.ServiceId, _service.Model.EngineName);
        try
        {
            await ForwardAsync(context, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            context.Abort();
        }
        finally
        {
            NodeTelemetry.Stop(activity, context);
            Interlocked.Decrement(ref _inFlight);
            _service.Touch();
        }
    }

    private async Task HealthAsync(HttpContext context)
    {
        var report = _service.Report();
        if (report.State.Health != "healthy")
        {
            await ErrorWriter.WriteAsync(context, new ApiError(503, report.Runtime["last_error"]?.GetValue<string>() ?? "Unhealthy.", ErrorCodes.NotReady));
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = HealthBody.Length;
        await context.Response.Body.WriteAsync(HealthBody, context.RequestAborted);
    }

    private async Task ForwardAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (port, error, retryAfter) = await _service.LoadAsync(cancellationToken);
        if (error is not null)
        {
            if (retryAfter is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        var request = context.Request;
        using var upstream = new HttpRequestMessage(new HttpMethod(request.Method),
            $"http://127.0.0.1:{port}{request.Path}{request.QueryString}");
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            upstream.Content = new StreamContent(request.Body);
            if (request.ContentLength is { } length)
            {
                upstream.Content.Headers.ContentLength = length;
            }
        }

        var serving = Activity.Current is { Source.Name: NodeTelemetry.SourceName } current ? current : null;
        foreach (var name in RequestHeaders)
        {
            if (serving is not null && name is "traceparent" or "tracestate")
            {
                // The runtime host's parent is this endpoint's span, not the caller's.
                if (name == "traceparent" && serving.IdFormat == ActivityIdFormat.W3C)
                {
                    upstream.Headers.TryAddWithoutValidation(name, serving.Id);
                }
                else if (name == "tracestate" && serving.TraceStateString is { } state)
                {
                    upstream.Headers.TryAddWithoutValidation(name, state);
                }

                continue;
            }

            if (request.Headers.TryGetValue(name, out var value))
            {
                if (!upstream.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!))
                {
                    upstream.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!);
                }
            }
        }

        HttpResponseMessage answer;
        try
        {
            answer = await _forwarder.SendAsync(upstream, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            // The host died between the load check and this request; its exit is being recorded.
            _logger.ForwardFailed(_service.Model.ServiceId, ex);
            await ErrorWriter.WriteAsync(context, new ApiError(502, $"The runtime of '{_service.Model.AssetId}' is not reachable.", ErrorCodes.UpstreamError));
            return;
        }

        using (answer)
        {
            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            if (answer.Content.Headers.ContentType is { } type)
            {
                response.ContentType = type.ToString();
            }

            if (answer.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength = length;
            }

            if (answer.Headers.RetryAfter is { Delta: { } delta })
            {
                response.Headers.RetryAfter = ((int)Math.Ceiling(delta.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (answer.Headers.CacheControl is { } cache)
            {
                response.Headers.CacheControl = cache.ToString();
            }

            // A 405 names the methods the route takes (api.md §1.4).
            if (answer.Content.Headers.Allow.Count > 0)
            {
                response.Headers.Allow = string.Join(", ", answer.Content.Headers.Allow);
            }

            // An event stream's headers go on at once: the runtime host sends them before the model evaluates the
            // prompt, so the caller has the response open while the model computes (docs/runtimes.md "Isolation").
            if (IsEventStream(answer))
            {
                await response.Body.FlushAsync(cancellationToken);
            }

            await using var body = await answer.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException)
            {
                // The host died mid-response: the client must see a broken response, not a short one.
                _logger.ForwardFailed(_service.Model.ServiceId, ex);
                context.Abort();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static bool IsEventStream(HttpResponseMessage answer) =>
        string.Equals(answer.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private sealed class Application(RuntimeEndpoint endpoint) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => endpoint.HandleAsync(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
