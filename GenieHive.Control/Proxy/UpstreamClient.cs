using System.Diagnostics;
using System.Net;

namespace GenieHive.Control.Proxy;

/// <summary>
/// The one long-lived client of the proxy path: an <see cref="HttpMessageInvoker"/> over a pooled
/// <see cref="SocketsHttpHandler"/> with no proxy, redirects, cookies or decompression and a 10 s connect timeout
/// (api.md §2.5). Deliberately not an <see cref="HttpClient"/> from the factory: those buffer and carry the standard
/// resilience handler, whose attempt timeout and POST retries would cut and replay generations. Timeouts on the
/// proxy path are idle timers owned by the caller. The handler's diagnostics propagate W3C <c>traceparent</c>
/// from the current <see cref="Activity"/> to the model service (api.md §6.1).
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public UpstreamClient()
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = DistributedContextPropagator.CreateDefaultPropagator(),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    public void Dispose() => Invoker.Dispose();
}
