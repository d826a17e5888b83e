using System.Text.Json;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Inventory;
using GenieHive.NodeAgent.Protocol;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.NodeAgent.Simulation;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Api;

/// <summary>The node agent API (api.md §5): inventory, refresh, the simulated servers' switches and traces,
/// and loading served models (N3).</summary>
internal static class NodeApi
{
    public static RouteGroupBuilder MapNodeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/node");
        group.AddEndpointFilter<NodeKeyGuard>();
        group.MapGet("/inventory", (RegistrationBuilder payloads) =>
            TypedResults.Json(payloads.Registration(), NodeJsonContext.Wire.RegistrationPayload));
        group.MapGet("/registration", (RegistrationBuilder payloads) =>
            TypedResults.Json(payloads.Registration(), NodeJsonContext.Wire.RegistrationPayload));
        group.MapPost("/services/refresh", RefreshAsync);
        group.MapPost("/simulated/{id}/kill", (string id, SimulatedServers servers) => SwitchAsync(servers, id, kill: true));
        group.MapPost("/simulated/{id}/revive", (string id, SimulatedServers servers) => SwitchAsync(servers, id, kill: false));
        group.MapGet("/simulated/{id}/traces", (string id, SimulatedServers servers) =>
            servers.Find(id) is { } server
                ? TypedResults.Json(new TraceListResponse("list", server.Traces.Snapshot()), NodeJsonContext.Wire.TraceListResponse)
                : ErrorWriter.Result(UnknownSimulated(id)));
        group.MapPost("/assets/{assetId}/load", (string assetId, RuntimeServices runtimes, CancellationToken cancellationToken) =>
            LoadAsync(runtimes, assetId, load: true, cancellationToken));
        group.MapPost("/assets/{assetId}/unload", (string assetId, RuntimeServices runtimes, CancellationToken cancellationToken) =>
            LoadAsync(runtimes, assetId, load: false, cancellationToken));
        return group;
    }

    /// <summary>N3 load and unload (api.md §5): the served model's runtime host started or stopped now.</summary>
    private static async Task<IResult> LoadAsync(RuntimeServices runtimes, string assetId, bool load, CancellationToken cancellationToken)
    {
        if (runtimes.Find(assetId) is not { } service)
        {
            return ErrorWriter.Result(ApiError.NotFound($"No served asset '{assetId}'."));
        }

        if (load)
        {
            var (_, error, _) = await service.LoadAsync(cancellationToken);
            if (error is not null)
            {
                return ErrorWriter.Result(error);
            }
        }
        else
        {
            await service.UnloadAsync();
        }

        return TypedResults.Json(new AssetLoadResponse("ok", assetId, service.Loaded), NodeJsonContext.Wire.AssetLoadResponse);
    }

    private static async Task<IResult> RefreshAsync(HttpRequest request, NodeConfig config, ServiceRefresh refresh, CancellationToken cancellationToken)
    {
        if (await ReadOptionalObjectAsync(request, config.MaxJsonBodyBytes, cancellationToken) is { } error)
        {
            return ErrorWriter.Result(error);
        }

        var (services, heartbeat) = await refresh.RunAsync(cancellationToken);
        return TypedResults.Json(new RefreshResponse("ok", config.Node.HostId, services, heartbeat), NodeJsonContext.Wire.RefreshResponse);
    }

    private static async Task<IResult> SwitchAsync(SimulatedServers servers, string id, bool kill)
    {
        if (servers.Find(id) is not { } server)
        {
            return ErrorWriter.Result(UnknownSimulated(id));
        }

        if (kill)
        {
            await server.KillAsync();
        }
        else
        {
            await server.ReviveAsync(CancellationToken.None);
        }

        return TypedResults.Json(new SimulatedServiceResponse("ok", server.Report()), NodeJsonContext.Wire.SimulatedServiceResponse);
    }

    private static ApiError UnknownSimulated(string id) => ApiError.NotFound($"No simulated server '{id}'.");

    /// <summary>No body, or one JSON object (<c>{}</c>); anything else → 400 <c>invalid_json</c>.</summary>
    private static async Task<ApiError?> ReadOptionalObjectAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count == 0))
        {
            return null;
        }

        if (request.ContentLength > limit)
        {
            return ApiError.PayloadTooLarge(limit);
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length > limit)
        {
            return ApiError.PayloadTooLarge(limit);
        }

        if (buffer.Length == 0)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : ApiError.InvalidJson("Request body must be a JSON object.");
        }
        catch (JsonException)
        {
            return ApiError.InvalidJson("Request body is not valid JSON.");
        }
    }
}
