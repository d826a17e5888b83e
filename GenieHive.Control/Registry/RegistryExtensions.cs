using GenieHive.Control.Health;
using GenieHive.Control.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GenieHive.Control.Registry;

public static class RegistryExtensions
{
    /// <summary>
    /// The SQLite registry and its single writer (a hosted service that opens, migrates and syncs roles before
    /// the server listens), the routing snapshot holder, live state, and the readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddRegistry(this IHostApplicationBuilder builder)
    {
        // TryAdd: a test or benchmark host may bring its own holder and live state (ControlPlaneApp's configure hook).
        builder.Services.TryAddSingleton<RoutingTableHolder>();
        builder.Services.TryAddSingleton<LiveStateStore>();
        builder.Services.AddSingleton<RegistryWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RegistryWriter>());
        builder.Services.AddHealthChecks().AddCheck<RegistryHealthCheck>("registry");
        return builder;
    }
}
