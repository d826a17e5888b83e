using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Inventory;
using Microsoft.Extensions.Http.Resilience;

namespace GenieHive.NodeAgent.Heartbeat;

internal static class HeartbeatSetup
{
    /// <summary>Registration and heartbeats to the control plane, and the refresh the node API triggers.</summary>
    public static IHostApplicationBuilder AddControlPlaneSync(this IHostApplicationBuilder builder, NodeConfig config)
    {
        var services = builder.Services;
        services.AddHttpClient(ControlPlaneClient.ClientName).AddControlPlaneResilience();
        // The standard handler's defaults (2 s retry delay, 30 s total) would hold a 0.1–5 s heartbeat for half a
        // minute; scale them to the heartbeat so that the loop's own backoff stays in charge.
        var interval = TimeSpan.FromSeconds(config.ControlPlane.HeartbeatIntervalS);
        services.Configure<HttpStandardResilienceOptions>(ControlPlaneClient.ClientName + "-standard", options =>
        {
            options.Retry.MaxRetryAttempts = 2;
            options.Retry.Delay = interval < TimeSpan.FromSeconds(1) ? interval : TimeSpan.FromSeconds(1);
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(15);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
            options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(1);
        });
        services.AddSingleton<ControlPlaneClient>();
        services.AddSingleton<RegistrationBuilder>();
        services.AddSingleton<ControlPlaneSync>();
        services.AddHostedService(sp => sp.GetRequiredService<ControlPlaneSync>());
        services.AddSingleton<ServiceRefresh>();
        return builder;
    }
}
