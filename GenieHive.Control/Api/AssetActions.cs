using System.Net;
using System.Text.Json;
using GenieHive.Control.Auth;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>
/// <c>POST /v1/cluster/services/{service_id}/assets/{asset_id}/load|unload</c> (docs/api.md): an operator asks the
/// node that serves the service to load or unload the asset now. The control plane calls
/// <c>{agent_url}/v1/node/assets/{asset_id}/load|unload</c> (api.md §6.2a) with the node key that host registered
/// with (<see cref="NodeKeyVault"/>) and answers with the node's verdict; the node's errors (404, 503
/// <c>insufficient_memory</c>, 503 <c>model_load_timeout</c>) are relayed with their code.
/// </summary>
internal static class AssetActions
{
    public const string ClientName = "geniehive-node-agent";

    public static async Task<IResult> HandleAsync(string path, RoutingTableHolder routing, ControlKeys keys, NodeKeyVault vault,
        IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var segments = path.Split('/');
        if (segments.Length < 4 || segments[^3] != "assets" || segments[^1] is not ("load" or "unload"))
        {
            return ErrorWriter.Result(ApiError.NotFound());
        }

        var serviceId = Uri.UnescapeDataString(string.Join('/', segments[..^3]));
        var assetId = Uri.UnescapeDataString(segments[^2]);
        var action = segments[^1];
        var table = routing.Current;
        if (!table.ServicesById.TryGetValue(serviceId, out var service))
        {
            return ErrorWriter.Result(ApiError.NotFound($"No service '{serviceId}'."));
        }

        if (!service.Assets.Any(a => a.AssetId == assetId))
        {
            return ErrorWriter.Result(ApiError.NotFound($"Service '{serviceId}' has no asset '{assetId}'."));
        }

        if (!table.HostsById.TryGetValue(service.HostId, out var host) || host.AgentUrl is not { Length: > 0 } agentUrl)
        {
            return ErrorWriter.Result(ApiError.InvalidRequest(
                $"Host '{service.HostId}' registered no agent_url: the control plane cannot reach its agent.", "service_id"));
        }

        string? nodeKey = null;
        if (!keys.NodeKeys.IsEmpty && (nodeKey = vault.Find(host.HostId)) is null)
        {
            return ErrorWriter.Result(ApiError.NotReady(
                $"No node key is held for host '{host.HostId}' yet: it is taken from the host's next heartbeat or registration."));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{agentUrl.TrimEnd('/')}/v1/node/assets/{Uri.EscapeDataString(assetId)}/{action}");
        if (nodeKey is not null)
        {
            request.Headers.TryAddWithoutValidation(AuthFilters.NodeKeyHeader, nodeKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return ErrorWriter.Result(new ApiError(502, $"Cannot reach the agent of host '{host.HostId}': {ex.Message}", ErrorCodes.UpstreamError));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ErrorWriter.Result(new ApiError(504, $"The agent of host '{host.HostId}' did not answer in time.", ErrorCodes.UpstreamTimeout));
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return response.IsSuccessStatusCode ? Success(body, service.ServiceId, host.HostId, assetId) : Relay(response.StatusCode, body, host.HostId);
        }
    }

    private static IResult Success(byte[] body, string serviceId, string hostId, string assetId)
    {
        bool? loaded = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("loaded", out var value)
                && value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                loaded = value.GetBoolean();
            }
        }
        catch (JsonException)
        {
            // Reported below as an unreadable answer.
        }

        if (loaded is not { } state)
        {
            return ErrorWriter.Result(new ApiError(502, $"The agent of host '{hostId}' answered without a loaded state.", ErrorCodes.UpstreamError));
        }

        return Utf8JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteString("service_id", serviceId);
            w.WriteString("host_id", hostId);
            w.WriteString("asset_id", assetId);
            w.WriteBoolean("loaded", state);
            w.WriteEndObject();
        });
    }

    /// <summary>The node's own error (its code kept); its 401/403 is the control plane's key failing, so 502 (as D20).</summary>
    private static IResult Relay(HttpStatusCode status, byte[] body, string hostId)
    {
        var code = (int)status;
        if (code is 401 or 403)
        {
            return ErrorWriter.Result(new ApiError(502, $"The agent of host '{hostId}' refused the node key.", ErrorCodes.UpstreamError));
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("code", out var errorCode) && errorCode.ValueKind == JsonValueKind.String)
            {
                var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : $"The agent answered {code}.";
                return ErrorWriter.Result(new ApiError(code, message, errorCode.GetString()!));
            }
        }
        catch (JsonException)
        {
            // Not an envelope: reported as an upstream error below.
        }

        return ErrorWriter.Result(new ApiError(502, $"The agent of host '{hostId}' answered {code}.", ErrorCodes.UpstreamError));
    }
}
