using GenieHive.Control.Auth;
using GenieHive.Control.Config;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>The node protocol (api.md §3): <c>POST /v1/nodes/register</c> and <c>/v1/nodes/heartbeat</c>, node-key auth.</summary>
public static class NodeApi
{
    public static RouteGroupBuilder MapNodeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/nodes").RequireNodeKey();
        group.MapPost("/register", RegisterAsync);
        group.MapPost("/heartbeat", HeartbeatAsync);
        return group;
    }

    private delegate ApiError? PayloadParser<T>(System.Text.Json.JsonElement root, out T? report);

    private static Task<IResult> RegisterAsync(HttpContext context, RegistryWriter writer, ControlConfig config, ControlKeys keys, NodeKeyVault vault,
        RoutingTableHolder routing, TimeProvider time) =>
        ApplyAsync<HostReport>(context, config, routing, time, NodePayloadParser.TryParseRegistration,
            async (report, ct) => Remember(await writer.RegisterAsync(report, PresentedKeyDigest(context, keys), ct), context, keys, vault));

    private static Task<IResult> HeartbeatAsync(HttpContext context, RegistryWriter writer, ControlConfig config, ControlKeys keys, NodeKeyVault vault,
        RoutingTableHolder routing, TimeProvider time) =>
        ApplyAsync<HeartbeatReport>(context, config, routing, time, NodePayloadParser.TryParseHeartbeat,
            async (report, ct) => Remember(await writer.HeartbeatAsync(report, PresentedKeyDigest(context, keys), ct), context, keys, vault));

    /// <summary>After an accepted call, the node key it carried is the one to call that host's agent with (§6.2a).</summary>
    private static RegistryResult Remember(RegistryResult result, HttpContext context, ControlKeys keys, NodeKeyVault vault)
    {
        if (result.Error is null && result.Host is { } host && !keys.NodeKeys.IsEmpty
            && context.Request.Headers[AuthFilters.NodeKeyHeader].ToString() is { Length: > 0 } key)
        {
            vault.Remember(host.HostId, key);
        }

        return result;
    }

    /// <summary>Body → validated report → one registry command → <c>{"status":"ok","host":Host}</c> or the error.</summary>
    private static async Task<IResult> ApplyAsync<T>(
        HttpContext context, ControlConfig config, RoutingTableHolder routing, TimeProvider time,
        PayloadParser<T> parse, Func<T, CancellationToken, Task<RegistryResult>> apply)
        where T : class
    {
        var (document, error) = await JsonBody.ReadObjectAsync(context.Request, config.Limits.MaxJsonBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return ErrorWriter.Result(error);
        }

        using (document)
        {
            if (parse(document!.RootElement, out var report) is { } invalid)
            {
                return ErrorWriter.Result(invalid);
            }

            return HostResponse(await apply(report!, context.RequestAborted), routing, time);
        }
    }

    /// <summary>The digest hosts are bound to (D19); null when node routes are open.</summary>
    private static string? PresentedKeyDigest(HttpContext context, ControlKeys keys)
    {
        if (keys.NodeKeys.IsEmpty)
        {
            return null;
        }

        var key = context.Request.Headers[AuthFilters.NodeKeyHeader].ToString();
        return key.Length == 0 ? null : KeyDigestSet.DigestHex(key);
    }

    private static IResult HostResponse(RegistryResult result, RoutingTableHolder routing, TimeProvider time)
    {
        if (result.Error is not null)
        {
            return ErrorWriter.Result(result.Error);
        }

        var table = routing.Current;
        var now = UnixTime.Now(time);
        return Utf8JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WritePropertyName("host");
            ClusterJson.WriteHost(w, result.Host!, table, now);
            w.WriteEndObject();
        });
    }
}
