using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace GenieHive.Tests.Support;

/// <summary>
/// A fake OpenAI-compatible model server on 127.0.0.1:0 whose behaviour each test scripts: every POST goes to
/// <see cref="Handler"/>, and every request is recorded (path, headers, body for small ones) before it runs.
/// The static helpers script the upstream outcomes of api.md §2.5: slow streams gated on signals, failures before
/// and after the first byte, 429 with <c>Retry-After</c>, connection resets.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly KestrelHost _host;

    private FakeUpstream(KestrelHost host)
    {
        _host = host;
    }

    public Uri BaseAddress => _host.BaseAddress;

    public string Endpoint => _host.BaseAddress.ToString().TrimEnd('/');

    public Func<HttpContext, Task> Handler { get; set; } = context => Json(context, 200, "{}");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Completed with each request as it arrives (reset by the test when it needs the next one).</summary>
    public TaskCompletionSource<RecordedRequest> Received { get; set; } = NewSignal<RecordedRequest>();

    /// <summary>When true the body is not buffered for the record (large uploads): only its length is counted.</summary>
    public bool CountBodyOnly { get; set; }

    public static async Task<FakeUpstream> StartAsync(Func<HttpContext, Task>? handler = null)
    {
        FakeUpstream? fake = null;
        var host = await KestrelHost.StartAsync(
            app => app.MapPost("/{**path}", (HttpContext context) => fake!.HandleAsync(context)),
            builder => builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = null));
        fake = new FakeUpstream(host);
        if (handler is not null)
        {
            fake.Handler = handler;
        }

        return fake;
    }

    public static TaskCompletionSource<T> NewSignal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task Json(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
    }

    public static Task Error(HttpContext context, int status, string message, string? code = null, string? param = null) =>
        Json(context, status, $$$"""{"error":{"message":"{{{message}}}","type":"invalid_request_error","code":{{{Quote(code)}}},"param":{{{Quote(param)}}}}}""");

    /// <summary>Writes SSE events one by one, flushing each; <c>[DONE]</c> only if listed.</summary>
    public static async Task Sse(HttpContext context, params string[] events)
    {
        StartSse(context);
        foreach (var e in events)
        {
            await WriteEvent(context, e);
        }
    }

    public static void StartSse(HttpContext context)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
    }

    public static async Task WriteEvent(HttpContext context, string sseEvent)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(sseEvent));
        await context.Response.Body.FlushAsync();
    }

    /// <summary>Cuts the connection: before headers this is a reset, after the first byte a mid-stream failure.</summary>
    public static async Task Reset(HttpContext context)
    {
        await context.Response.Body.FlushAsync();
        context.Abort();
    }

    public static string Chunk(string content) =>
        $$$"""data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"{{{content}}}"}}]}""" + "\n\n";

    public const string UsageChunk =
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n";

    public const string Done = "data: [DONE]\n\n";

    public const string ChatJson =
        """{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}""";

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        string body;
        long length = 0;
        if (CountBodyOnly)
        {
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }

            body = "";
        }
        else
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            body = await reader.ReadToEndAsync();
            length = Encoding.UTF8.GetByteCount(body);
        }

        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(context.Request.Path, headers, body, length, context.Request.ContentType);
        Requests.Enqueue(recorded);
        Received.TrySetResult(recorded);
        await Handler(context);
    }

    private static string Quote(string? value) => value is null ? "null" : "\"" + value + "\"";
}

internal sealed record RecordedRequest(string Path, Dictionary<string, string> Headers, string Body, long BodyLength, string? ContentType);
