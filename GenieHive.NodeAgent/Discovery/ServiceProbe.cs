namespace GenieHive.NodeAgent.Discovery;

/// <summary>The local check of a service without discovery, the control plane's probe algorithm (routing.md "Health").</summary>
internal sealed class ServiceProbe(IHttpClientFactory clients)
{
    public async Task<DiscoveryOutcome> ProbeAsync(string endpoint, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(RuntimeHttp.ClientName);
        var (health, error) = await RuntimeHttp.GetStatusAsync(client, endpoint + "/health", cancellationToken);
        if (health is 404 or 405)
        {
            (health, error) = await RuntimeHttp.GetStatusAsync(client, endpoint + "/v1/models", cancellationToken);
        }

        return health is < 400 ? new DiscoveryOutcome(true, null, null) : DiscoveryOutcome.Failed(error ?? $"answered {health}");
    }
}
