using System.Diagnostics;

namespace GenieHive.NodeAgent.Telemetry;

/// <summary>
/// The agent's <see cref="ActivitySource"/>, <c>GenieHive.NodeAgent</c> (traced by ServiceDefaults' <c>GenieHive.*</c>
/// source when OTLP export is on). The per-service listeners — simulated servers (bare Kestrel servers) and runtime
/// endpoints (byte relays) — run without ASP.NET Core's hosting diagnostics, so they start their own server span here, as a child of
/// the caller's <c>traceparent</c>: a routed request's trace in the dashboard goes on from the control plane's
/// upstream call into the node that answered it. Nothing is started when nobody listens.
/// </summary>
internal static class NodeTelemetry
{
    public const string SourceName = "GenieHive.NodeAgent";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>A server span for one request on a service listener, or null when nobody listens.</summary>
    /// <param name="engine"><c>simulated</c>, or the runtime engine serving the request.</param>
    public static Activity? StartServe(HttpContext context, string serviceId, string engine)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var request = context.Request;
        return StartServe(request.Method, request.Path.Value ?? "/", request.Headers.TraceParent, request.Headers.TraceState, serviceId, engine);
    }

    /// <summary>The same, from a request head's parts (the runtime endpoint's relay has no <see cref="HttpContext"/>).</summary>
    public static Activity? StartServe(string method, string path, string? traceParent, string? traceState, string serviceId, string engine)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{method} {path}", ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", method);
            activity.SetTag("url.path", path);
            activity.SetTag("geniehive.service_id", serviceId);
            activity.SetTag("geniehive.engine", engine);
        }

        return activity;
    }

    /// <summary>Ends <paramref name="activity"/> with the response status (5xx marks it failed).</summary>
    public static void Stop(Activity? activity, HttpContext context) => Stop(activity, context.Response.StatusCode);

    /// <summary>Ends <paramref name="activity"/> with <paramref name="status"/> (5xx marks it failed; 0: no response).</summary>
    public static void Stop(Activity? activity, int status)
    {
        if (activity is null)
        {
            return;
        }

        if (status == 0)
        {
            activity.SetStatus(ActivityStatusCode.Error, "aborted");
        }
        else
        {
            activity.SetTag("http.response.status_code", status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }

        activity.Dispose();
    }
}
