using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Heartbeat;

/// <summary>
/// <c>POST /v1/nodes/register</c> and <c>/v1/nodes/heartbeat</c> (api.md §6.2) over the named client that carries the
/// standard resilience handler; a failure comes back as an answer, never as an exception.
/// </summary>
internal sealed class ControlPlaneClient(IHttpClientFactory clients, AgentSettings settings)
{
    public const string ClientName = "geniehive-control";
    private const string NodeKeyHeader = "X-GenieHive-Node-Key";

    public Task<ControlPlaneAnswer> RegisterAsync(RegistrationPayload payload, CancellationToken cancellationToken) =>
        PostAsync("/v1/nodes/register", payload, NodeJsonContext.Wire.RegistrationPayload, cancellationToken);

    public Task<ControlPlaneAnswer> HeartbeatAsync(HeartbeatPayload payload, CancellationToken cancellationToken) =>
        PostAsync("/v1/nodes/heartbeat", payload, NodeJsonContext.Wire.HeartbeatPayload, cancellationToken);

    private async Task<ControlPlaneAnswer> PostAsync<T>(string path, T payload, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.ControlPlaneUrl + path)
        {
            Content = JsonContent.Create(payload, type),
        };
        if (settings.NodeApiKey is { } key)
        {
            request.Headers.TryAddWithoutValidation(NodeKeyHeader, key);
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new ControlPlaneAnswer(status, null, null, null);
            }

            ErrorEnvelope? envelope = null;
            try
            {
                envelope = await response.Content.ReadFromJsonAsync(NodeJsonContext.Wire.ErrorEnvelope, cancellationToken);
            }
            catch (JsonException)
            {
                // Not our envelope: the status says enough.
            }

            return new ControlPlaneAnswer(status, envelope?.Error?.Code, envelope?.Error?.Message, null);
        }
        catch (HttpRequestException ex)
        {
            return new ControlPlaneAnswer(null, null, null, ex.Message);
        }
        catch (Polly.ExecutionRejectedException ex)
        {
            return new ControlPlaneAnswer(null, null, null, ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ControlPlaneAnswer(null, null, null, "timed out");
        }
        catch (InvalidOperationException ex)
        {
            // Service discovery without a resolvable endpoint, or a malformed URL.
            return new ControlPlaneAnswer(null, null, null, ex.Message);
        }
    }
}
