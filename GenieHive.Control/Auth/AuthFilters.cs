using GenieHive.ServiceDefaults.Errors;
using Microsoft.Extensions.Primitives;

namespace GenieHive.Control.Auth;

/// <summary>Endpoint filters for client keys (api.md §1.2, D2) and node keys.</summary>
public static class AuthFilters
{
    public const string NodeKeyHeader = "X-GenieHive-Node-Key";
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>Client key as <c>Authorization: Bearer</c> or <c>X-Api-Key</c>; open when no client keys are configured.</summary>
    public static TBuilder RequireClientKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var keys = context.HttpContext.RequestServices.GetRequiredService<ControlKeys>().ClientKeys;
            if (keys.IsEmpty || IsClientAuthenticated(context.HttpContext.Request, keys))
            {
                return await next(context);
            }

            return ErrorWriter.Result(ApiError.Unauthorized());
        });

    /// <summary><c>X-GenieHive-Node-Key</c>; open when no node keys are configured.</summary>
    public static TBuilder RequireNodeKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var keys = context.HttpContext.RequestServices.GetRequiredService<ControlKeys>().NodeKeys;
            if (keys.IsEmpty || keys.Matches(context.HttpContext.Request.Headers[NodeKeyHeader].ToString()))
            {
                return await next(context);
            }

            return ErrorWriter.Result(ApiError.Unauthorized("Missing or invalid node key."));
        });

    /// <summary>Either header may carry a valid key; non-Bearer <c>Authorization</c> schemes are ignored.</summary>
    public static bool IsClientAuthenticated(HttpRequest request, KeyDigestSet keys)
    {
        var bearer = BearerToken(request.Headers.Authorization);
        var apiKey = request.Headers[ApiKeyHeader].ToString();
        // Evaluate both so the work done does not depend on which header carried the key.
        var bearerOk = bearer is not null && keys.Matches(bearer);
        var apiKeyOk = apiKey.Length > 0 && keys.Matches(apiKey);
        return bearerOk | apiKeyOk;
    }

    private static string? BearerToken(StringValues authorization)
    {
        foreach (var value in authorization)
        {
            if (value is { Length: > 7 } && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value[7..].Trim();
            }
        }

        return null;
    }
}
