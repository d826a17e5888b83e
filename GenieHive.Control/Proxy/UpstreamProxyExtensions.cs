using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Routing;
using GenieHive.Control.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace GenieHive.Control.Proxy;

public static class UpstreamProxyExtensions
{
    /// <summary>
    /// The proxy half of the OpenAI facade: the upstream client, the forwarder, telemetry and live state.
    /// Uses the registered <see cref="ControlConfig"/> (defaults when none is registered) and <see cref="TimeProvider"/>.
    /// </summary>
    public static TBuilder AddUpstreamProxy<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LiveStateStore>();
        services.TryAddSingleton<RoutingTableHolder>();
        services.TryAddSingleton<RouteResolver>();
        services.TryAddSingleton<ControlTelemetry>();
        services.TryAddSingleton<UpstreamClient>();
        services.TryAddSingleton(sp => new ProxyForwarder(
            sp.GetRequiredService<UpstreamClient>(),
            sp.GetRequiredService<LiveStateStore>(),
            sp.GetRequiredService<ControlTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ControlConfig>() ?? new ControlConfig(),
            sp.GetRequiredService<ILogger<ProxyForwarder>>()));
        return builder;
    }
}
