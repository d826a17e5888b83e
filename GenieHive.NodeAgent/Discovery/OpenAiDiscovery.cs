using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>OpenAI-compatible discovery: an asset per <c>/v1/models</c> <c>data[].id</c>, loaded; observed untouched.</summary>
internal sealed class OpenAiDiscovery(IHttpClientFactory clients)
{
    public async Task<DiscoveryOutcome> DiscoverAsync(ServiceConfig service, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(RuntimeHttp.ClientName);
        var models = await RuntimeHttp.GetJsonAsync(client, service.Endpoint + "/v1/models", NodeJsonContext.Wire.OpenAiModelList, cancellationToken);
        if (models.Value is null)
        {
            return DiscoveryOutcome.Failed(models.Error ?? "no answer");
        }

        var assets = (models.Value.Data ?? [])
            .Where(m => !string.IsNullOrEmpty(m.Id))
            .Select(m => new Asset(m.Id!, Loaded: true))
            .ToList();
        return new DiscoveryOutcome(true, null, assets.Count == 0 ? null : assets);
    }
}
