using GenieHive.Control.Auth;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Proxy;

/// <summary>The proxied OpenAI-compatible client routes (api.md §2.2–2.4), behind the client key (D2).</summary>
public static class OpenAiApi
{
    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").RequireClientKey();
        group.MapPost("/chat/completions", Task (HttpContext context, ProxyForwarder forwarder, RouteResolver resolver, RoutingTableHolder routing) =>
            ClientRequests.ChatCompletionsAsync(context, forwarder, Take(resolver, routing)));
        group.MapPost("/embeddings", Task (HttpContext context, ProxyForwarder forwarder, RouteResolver resolver, RoutingTableHolder routing) =>
            ClientRequests.EmbeddingsAsync(context, forwarder, Take(resolver, routing)));
        group.MapPost("/audio/transcriptions", Task (HttpContext context, ProxyForwarder forwarder, RouteResolver resolver, RoutingTableHolder routing) =>
            ClientRequests.TranscriptionsAsync(context, forwarder, Take(resolver, routing)));
        return group;
    }

    /// <summary>One resolution per request, in take mode, on the snapshot current when the body was read (D3).</summary>
    private static Func<string, string, RouteResolution> Take(RouteResolver resolver, RoutingTableHolder routing) =>
        (operation, model) => resolver.Resolve(routing.Current, model, operation, ResolveMode.Take);
}
