using System.Net;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// The OpenAI-compatible server of one runtime-host process, on 127.0.0.1 at a free port: a bare
/// <see cref="KestrelServer"/> as the simulated servers use, nothing between the socket and the handler. Only the
/// agent talks to it; clients reach it through the agent's stable endpoint for the model.
/// </summary>
internal sealed partial class RuntimeHostServer : IAsyncDisposable
{
    private static readonly byte[] HealthBody = "{\"status\":\"ok\"}"u8.ToArray();

    private readonly RuntimeHostSpec _spec;
    private readonly LlamaChatEngine? _chat;
    private readonly IEmbeddingEngine? _embeddings;
    private readonly WhisperEngine? _transcription;
    private readonly RequestGate _gate;
    private readonly TimeProvider _time;
    private readonly byte[] _modelsBody;
    private readonly byte[] _encodedModel;
    private KestrelServer? _server;

    public RuntimeHostServer(RuntimeHostSpec spec, LoadedEngines engines, TimeProvider time)
    {
        _spec = spec;
        _chat = engines.Chat;
        _embeddings = engines.Embeddings;
        _transcription = engines.Transcription;
        _gate = new RequestGate(spec.Parallel, spec.Queue);
        _time = time;
        _modelsBody = HostJson.ModelsBody(spec.ModelId, time.GetUtcNow().ToUnixTimeSeconds());
        _encodedModel = HostJson.Encoded(spec.ModelId);
    }

    public async Task<int> StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        options.Limits.MaxRequestBodySize = _spec.MaxJsonBodyBytes;
        options.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        _server = new KestrelServer(Options.Create(options), transport, NullLoggerFactory.Instance);
        await _server.StartAsync(new Application(this), cancellationToken);
        var address = _server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync(new CancellationToken(canceled: true));
            server.Dispose();
        }

        _gate.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            var path = context.Request.Path.Value ?? "/";
            var method = context.Request.Method;
            var allow = path switch
            {
                "/health" or "/v1/models" => "GET",
                "/v1/chat/completions" when _chat is not null => "POST",
                "/v1/embeddings" when _embeddings is not null => "POST",
                "/v1/audio/transcriptions" when _transcription is not null => "POST",
                _ => null,
            };
            if (allow is not null && !string.Equals(method, allow, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers.Allow = allow;
                await ErrorWriter.WriteAsync(context, new ApiError(405, "Method not allowed.", ErrorCodes.MethodNotAllowed));
                return;
            }

            switch (path)
            {
                case "/health":
                    await HostJson.WriteAsync(context, 200, HealthBody, cancellationToken);
                    break;
                case "/v1/models":
                    await HostJson.WriteAsync(context, 200, _modelsBody, cancellationToken);
                    break;
                case "/v1/chat/completions" when _chat is not null:
                    await ChatAsync(context, _chat, cancellationToken);
                    break;
                case "/v1/embeddings" when _embeddings is not null:
                    await EmbeddingsAsync(context, _embeddings, cancellationToken);
                    break;
                case "/v1/audio/transcriptions" when _transcription is not null:
                    await TranscriptionAsync(context, _transcription, cancellationToken);
                    break;
                default:
                    await ErrorWriter.WriteAsync(context, ApiError.NotFound($"No route {path} on this {_spec.Kind} runtime."));
                    break;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Abort();
        }
        catch (IOException)
        {
            context.Abort();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A defect or an exhausted resource, not an outcome: on stderr (the agent keeps its tail), answered in
            // the envelope while nothing has been sent.
            await Console.Error.WriteLineAsync($"runtime host: {context.Request.Path} failed: {ex.GetType().Name}: {ex.Message}");
            if (context.Response.HasStarted)
            {
                context.Abort();
                return;
            }

            context.Response.Clear();
            var requestId = context.Request.Headers["X-Request-Id"].ToString();
            await ErrorWriter.WriteAsync(context, ApiError.Internal(requestId.Length > 0 ? requestId : "(none)"));
        }
    }

    private async Task<(byte[]? Body, ApiError? Error)> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var limit = _spec.MaxJsonBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return (null, ApiError.PayloadTooLarge(limit));
        }

        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, cancellationToken);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == 413)
        {
            return (null, ApiError.PayloadTooLarge(limit));
        }

        return (buffer.ToArray(), null);
    }

    private delegate ApiError? RequestParser<T>(ReadOnlyMemory<byte> body, out T request);

    /// <summary>
    /// The prologue every model route shares: read the body within the limit, parse it, check the model id and take
    /// a slot of the request gate. Null when it already wrote the error (413/400/404/429); else the caller owns the lease.
    /// </summary>
    private async Task<(T Request, RequestGate.Lease Lease)?> AdmitAsync<T>(
        HttpContext context, RequestParser<T> parse, Func<T, string> model, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await ReadBodyAsync(context, cancellationToken);
        if (bodyError is not null)
        {
            await ErrorWriter.WriteAsync(context, bodyError);
            return null;
        }

        var error = parse(body!, out var request) ?? CheckModel(model(request));
        if (error is not null)
        {
            await ErrorWriter.WriteAsync(context, error);
            return null;
        }

        return await EnterAsync(context, cancellationToken) is { } lease ? (request, lease) : null;
    }

    private async Task<RequestGate.Lease?> EnterAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var lease = await _gate.TryEnterAsync(cancellationToken);
        if (lease is null)
        {
            await WriteBusyAsync(context);
        }

        return lease;
    }

    private ApiError? CheckModel(string model) => model == _spec.ModelId
        ? null
        : new ApiError(404, $"The model '{model}' does not exist on this server; it serves '{_spec.ModelId}'.", ErrorCodes.ModelNotFound, "model");

    private static Task WriteBusyAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return ErrorWriter.WriteAsync(context, new ApiError(429, "Every slot and queue place of this model is taken; retry shortly.",
            ErrorCodes.RateLimited));
    }

    private sealed class Application(RuntimeHostServer server) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => new DefaultHttpContext(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => server.HandleAsync(context);

        public void DisposeContext(HttpContext context, Exception? exception)
        {
        }
    }
}
