using System.Diagnostics;

namespace GenieHive.NodeAgent.Telemetry;

/// <summary>
/// The agent's <see cref="ActivitySource"/>, <c>GenieHive.NodeAgent</c> (traced by ServiceDefaults' <c>GenieHive.*</c>
/// source when OTLP export is on). The per-service listeners — simulated servers and runtime endpoints — are bare
/// Kestrel servers without ASP.NET Core's hosting diagnostics, so they start their own server span here, as a child of
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
        ActivityContext.TryParse(request.Headers.TraceParent, request.Headers.TraceState, isRemote: true, out var parent);
        var activity = Source.StartActivity($"{request.Method} {request.Path.Value}", ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.request.method", request.Method);
            activity.SetTag("url.path", request.Path.Value);
            activity.SetTag("geniehive.service_id", serviceId);
            activity.SetTag("geniehive.engine", engine);
        }

        return activity;
    }

    /// <summary>Ends <paramref name="activity"/> with the response status (5xx marks it failed).</summary>
    public static void Stop(Activity? activity, HttpContext context)
    {
        if (activity is null)
        {
            return;
        }

        var status = context.Response.StatusCode;
        activity.SetTag("http.response.status_code", status);
        if (status >= 500)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }

        activity.Dispose();
    }
}
