using System.Security.Cryptography;
using System.Text;
using GenieHive.NodeAgent.Heartbeat;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Api;

/// <summary>
/// Guards <c>/v1/node/*</c> with <c>X-GenieHive-Node-Key</c> when a node key is configured (api.md §5): the presented
/// key's SHA-256 digest is compared with the configured one in constant time (security.md §4).
/// </summary>
internal sealed class NodeKeyGuard(AgentSettings settings) : IEndpointFilter
{
    public const string HeaderName = "X-GenieHive-Node-Key";
    private readonly byte[]? _digest = settings.NodeApiKey is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    public bool Allows(string? presented)
    {
        if (_digest is null)
        {
            return true;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented ?? ""), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest) && presented is not null;
    }

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Request.Headers;
        var presented = headers.TryGetValue(HeaderName, out var value) ? value.ToString() : null;
        if (!Allows(presented))
        {
            return ValueTask.FromResult<object?>(ErrorWriter.Result(ApiError.Unauthorized("Missing or invalid node key.")));
        }

        return next(context);
    }
}
