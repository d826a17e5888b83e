using GenieHive.Control.Auth;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Proxy;

/// <summary>The proxied OpenAI-compatible client routes (api.md §2.2–2.4), behind the client key (D2).</summary>
public static class OpenAiApi
{
    /// <remarks>
    /// These three routes are the request path of every proxied call, so they are plain request delegates over
    /// services resolved once here, with the client-key check inline: no parameter binding, no endpoint filter and no
    /// per-request service scope (docs/architecture.md "A request's path"). The other client routes use
    /// <see cref="AuthFilters.RequireClientKey"/>, which answers the same 401.
    /// </remarks>
    /// <returns><paramref name="app"/>: not the route group, whose conventions do not include the key check.</returns>
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var forwarder = services.GetRequiredService<ProxyForwarder>();
        var keys = services.GetRequiredService<ControlKeys>().ClientKeys;
        var take = Take(services.GetRequiredService<RouteResolver>(), services.GetRequiredService<RoutingTableHolder>());

        var group = app.MapGroup("/v1");
        group.MapPost("/chat/completions", context =>
            Authorized(context, keys) ? ClientRequests.ChatCompletionsAsync(context, forwarder, take) : Unauthorized(context));
        group.MapPost("/embeddings", context =>
            Authorized(context, keys) ? ClientRequests.EmbeddingsAsync(context, forwarder, take) : Unauthorized(context));
        group.MapPost("/audio/transcriptions", context =>
            Authorized(context, keys) ? ClientRequests.TranscriptionsAsync(context, forwarder, take) : Unauthorized(context));
        return app;
    }

    private static bool Authorized(HttpContext context, KeyDigestSet keys) =>
        keys.IsEmpty || AuthFilters.IsClientAuthenticated(context.Request, keys);

    private static Task Unauthorized(HttpContext context) => ErrorWriter.WriteAsync(context, ApiError.Unauthorized());

    /// <summary>One resolution per request, in take mode, on the snapshot current when the body was read (D3).</summary>
    private static Func<string, string, RouteResolution> Take(RouteResolver resolver, RoutingTableHolder routing) =>
        (operation, model) => resolver.Resolve(routing.Current, model, operation, ResolveMode.Take);
}
