using GenieHive.Control.Health;
using GenieHive.Control.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GenieHive.Control.Routing;

public static class RoutingRegistration
{
    /// <summary>
    /// Route resolution, route matching and the model listing. The snapshot holder, the live-state store and the
    /// clock are added only when the registry has not registered them already.
    /// </summary>
    public static TBuilder AddModelRouting<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<RoutingTableHolder>();
        builder.Services.TryAddSingleton<LiveStateStore>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<RouteResolver>();
        builder.Services.TryAddSingleton<RouteMatcher>();
        builder.Services.TryAddSingleton<ModelCatalog>();
        return builder;
    }
}
