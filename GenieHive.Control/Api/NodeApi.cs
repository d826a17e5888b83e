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

    private static async Task<IResult> RegisterAsync(
        HttpContext context, RegistryWriter writer, ControlConfig config, ControlKeys keys, RoutingTableHolder routing, TimeProvider time)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(context.Request, config.Limits.MaxJsonBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return ErrorWriter.Result(error);
        }

        using (document)
        {
            if (NodePayloadParser.TryParseRegistration(document!.RootElement, out var report) is { } invalid)
            {
                return ErrorWriter.Result(invalid);
            }

            var result = await writer.RegisterAsync(report!, PresentedKeyDigest(context, keys), context.RequestAborted);
            return HostResponse(result, routing, time);
        }
    }

    private static async Task<IResult> HeartbeatAsync(
        HttpContext context, RegistryWriter writer, ControlConfig config, ControlKeys keys, RoutingTableHolder routing, TimeProvider time)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(context.Request, config.Limits.MaxJsonBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return ErrorWriter.Result(error);
        }

        using (document)
        {
            if (NodePayloadParser.TryParseHeartbeat(document!.RootElement, out var report) is { } invalid)
            {
                return ErrorWriter.Result(invalid);
            }

            var result = await writer.HeartbeatAsync(report!, PresentedKeyDigest(context, keys), context.RequestAborted);
            return HostResponse(result, routing, time);
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
