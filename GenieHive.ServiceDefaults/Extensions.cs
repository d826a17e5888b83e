using GenieHive.ServiceDefaults.Errors;
using GenieHive.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// GenieHive's service defaults: telemetry, service discovery and health endpoints shared by the control plane
/// and the node agent. Unlike the Aspire template, the standard resilience handler is not put on every
/// HttpClient: the proxy path to model servers must never retry or time out a generation, so resilience is
/// opt-in per client (<see cref="AddControlPlaneResilience"/>).
/// </summary>
public static class Extensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddDefaultLogLevels();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        return builder;
    }

    /// <summary>
    /// Log levels for production as the lowest-priority configuration source, so they apply whatever the content
    /// root and any <c>appsettings.json</c>, <c>Logging__LogLevel__*</c> variable or argument still overrides them:
    /// Information for our own categories, Warning for ASP.NET Core and HttpClient, whose Information logs are
    /// several lines per request ("Request starting", "Executing endpoint", ...), and none of Polly's per-attempt
    /// events.
    /// </summary>
    public static TBuilder AddDefaultLogLevels<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData =
            [
                new("Logging:LogLevel:Default", "Information"),
                new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
                new("Logging:LogLevel:System.Net.Http.HttpClient", "Warning"),

                // Polly logs every attempt of the one resilient client (agent -> control plane) with the whole
                // exception stack, at Warning and the last at Error; the agent's own line ("Control plane sync failed
                // (reason); retrying in …") says the same once per cycle, so Polly's are off unless configured.
                new("Logging:LogLevel:Polly", "None"),
            ],
        });
        return builder;
    }

    /// <summary>
    /// The standard resilience handler (retries, circuit breaker, timeouts) for ordinary request/response clients
    /// such as node agent → control plane. Never for streamed generations.
    /// </summary>
    public static IHttpClientBuilder AddControlPlaneResilience(this IHttpClientBuilder builder)
    {
        builder.AddStandardResilienceHandler();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry logs, metrics and traces exported over OTLP, registered only when an OTLP endpoint is configured:
    /// without an exporter the SDK pipelines cost tens of microseconds per proxied request (samplers, recorded
    /// activities, tag lists, metric aggregation) for data nobody reads. W3C trace context still flows without them:
    /// ASP.NET Core starts its request activity from an incoming <c>traceparent</c> whenever logging is on, and
    /// <see cref="System.Net.Http.SocketsHttpHandler"/> injects the current activity into upstream requests.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        if (!IsOtlpConfigured(builder.Configuration))
        {
            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("GenieHive.*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("GenieHive.*")
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes stay out of traces.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthPath)
                        && !context.Request.Path.StartsWithSegments(AlivePath))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();

        return builder;
    }

    /// <summary>OTLP export switches on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the AppHost sets it).</summary>
    public static bool IsOtlpConfigured(Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Request ids and the error envelope for every response: call first, before any other middleware.
    /// </summary>
    public static WebApplication UseGenieHiveDefaults(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseMiddleware<ErrorEnvelopeMiddleware>();
        return app;
    }

    /// <summary>
    /// <c>/health</c> (readiness: every check) and <c>/alive</c> (liveness: checks tagged <c>live</c>), in every
    /// environment, answering <c>{"status":"ok"}</c> or 503 <c>not_ready</c> in the error envelope (api.md §1.5).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealth });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealth,
        });
        return app;
    }

    private static readonly byte[] OkBody = "{\"status\":\"ok\"}"u8.ToArray();

    private static async Task WriteHealth(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Unhealthy)
        {
            var reason = report.Entries.Values.FirstOrDefault(e => e.Status == HealthStatus.Unhealthy).Description;
            await ErrorWriter.WriteAsync(context, ApiError.NotReady(reason ?? "Not ready."));
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = OkBody.Length;
        await context.Response.Body.WriteAsync(OkBody, context.RequestAborted);
    }

}
