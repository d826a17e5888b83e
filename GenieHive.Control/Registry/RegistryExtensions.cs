using GenieHive.Control.Health;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Registry;

public static class RegistryExtensions
{
    /// <summary>
    /// The SQLite registry and its single writer (a hosted service that opens, migrates and syncs roles before
    /// the server listens), the routing snapshot holder, live state, and the readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddRegistry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RoutingTableHolder>();
        builder.Services.AddSingleton<LiveStateStore>();
        builder.Services.AddSingleton<RegistryWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RegistryWriter>());
        builder.Services.AddHealthChecks().AddCheck<RegistryHealthCheck>("registry");
        return builder;
    }
}
