using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace GenieHive.Control.Telemetry;

/// <summary>
/// The control plane's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named
/// <c>GenieHive.Control</c> (house style §5; ServiceDefaults listens to <c>GenieHive.*</c>). Tags carry ids, model
/// names, routes, statuses and sizes, never prompt or completion text. Singleton; instruments are thread-safe.
/// </summary>
public sealed class ControlTelemetry : IDisposable
{
    public const string Name = "GenieHive.Control";

    public ControlTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        ActivitySource = new ActivitySource(Name);
        ProxyRequests = Meter.CreateCounter<long>(
            "geniehive.proxy.requests", "{request}", "Proxied client requests, by operation, route kind, service and status.");
        ProxyErrors = Meter.CreateCounter<long>(
            "geniehive.proxy.errors", "{error}", "Proxied client requests that ended in an error, by operation and error code.");
        UpstreamAttempts = Meter.CreateCounter<long>(
            "geniehive.proxy.upstream.attempts", "{attempt}", "Upstream attempts, by operation, service and outcome.");
        UpstreamDuration = Meter.CreateHistogram<double>(
            "geniehive.proxy.upstream.duration", "s", "Duration of one upstream attempt, until its response or stream ended.");
        TimeToFirstByte = Meter.CreateHistogram<double>(
            "geniehive.proxy.time_to_first_byte", "s", "From the start of the successful attempt to the first byte written to the client.");
        InFlight = Meter.CreateUpDownCounter<long>(
            "geniehive.proxy.in_flight", "{attempt}", "Upstream attempts in flight, by service.");
        Tokens = Meter.CreateCounter<long>(
            "geniehive.proxy.tokens", "{token}", "Tokens reported in upstream usage, by operation, service and kind (prompt, completion).");
    }

    public Meter Meter { get; }

    public ActivitySource ActivitySource { get; }

    public Counter<long> ProxyRequests { get; }

    public Counter<long> ProxyErrors { get; }

    public Counter<long> UpstreamAttempts { get; }

    public Histogram<double> UpstreamDuration { get; }

    public Histogram<double> TimeToFirstByte { get; }

    public UpDownCounter<long> InFlight { get; }

    public Counter<long> Tokens { get; }

    /// <summary>
    /// The proxy's activity (api.md: its W3C <c>traceparent</c> is sent upstream). Recorded through
    /// <see cref="ActivitySource"/> when something listens; otherwise a bare, unrecorded activity that only carries
    /// the trace context (child of the current activity, else of the caller's <c>traceparent</c>), so propagation
    /// does not depend on a telemetry SDK being registered. Tags belong only on activities with
    /// <see cref="Activity.IsAllDataRequested"/>.
    /// </summary>
    public Activity StartProxyActivity(string name, Microsoft.AspNetCore.Http.IHeaderDictionary requestHeaders)
    {
        ArgumentNullException.ThrowIfNull(requestHeaders);
        if (ActivitySource.StartActivity(name) is { } listened)
        {
            return listened;
        }

        var activity = new Activity(name);
        if (Activity.Current is null
            && requestHeaders.TryGetValue("traceparent", out var traceparent)
            && ActivityContext.TryParse(traceparent.ToString(), requestHeaders["tracestate"].ToString(), out var parent))
        {
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
        }

        activity.IsAllDataRequested = false;
        return activity.Start();
    }

    public void Dispose()
    {
        ActivitySource.Dispose();
        Meter.Dispose();
    }
}
