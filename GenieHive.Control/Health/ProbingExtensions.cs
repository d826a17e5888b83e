namespace GenieHive.Control.Health;

public static class ProbingExtensions
{
    /// <summary>Active probing (<see cref="ProbeLoop"/>; idle unless <c>routing.probe_interval_s</c> &gt; 0).</summary>
    public static IHostApplicationBuilder AddProbing(this IHostApplicationBuilder builder)
    {
        // No resilience handler: a probe must not be retried, and its timeout is routing.probe_timeout_s.
        builder.Services.AddHttpClient(ServiceProber.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<ServiceProber>();
        builder.Services.AddSingleton<ProbeLoop>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ProbeLoop>());
        return builder;
    }
}
