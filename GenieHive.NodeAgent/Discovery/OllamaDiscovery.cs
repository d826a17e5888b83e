using System.Collections.Concurrent;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>
/// Ollama discovery (routing.md "Discovery"): <c>/api/tags</c> lists assets, <c>/api/ps</c> says which are loaded and how
/// much VRAM they hold; <c>/api/show</c> is asked once per new digest which service kind keeps a model.
/// </summary>
internal sealed class OllamaDiscovery(IHttpClientFactory clients)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _capabilities = new(StringComparer.Ordinal);

    public async Task<DiscoveryOutcome> DiscoverAsync(ServiceConfig service, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(RuntimeHttp.ClientName);
        var tags = await RuntimeHttp.GetJsonAsync(client, service.Endpoint + "/api/tags", NodeJsonContext.Wire.OllamaModelList, cancellationToken);
        if (tags.Value is null)
        {
            return DiscoveryOutcome.Failed(tags.Error ?? "no answer");
        }

        var listed = (tags.Value.Models ?? []).Where(m => !string.IsNullOrEmpty(m.Name)).ToList();
        if (listed.Count == 0)
        {
            return new DiscoveryOutcome(true, null, null);
        }

        var ps = await RuntimeHttp.GetJsonAsync(client, service.Endpoint + "/api/ps", NodeJsonContext.Wire.OllamaModelList, cancellationToken);
        var running = ps.Value?.Models ?? [];
        var loaded = new HashSet<string>(running.Select(m => m.Name ?? m.Model ?? ""), StringComparer.Ordinal);
        long vram = 0;
        foreach (var model in running)
        {
            vram += model.SizeVram ?? model.SizeInVram ?? 0;
        }

        var assets = new List<Asset>(listed.Count);
        foreach (var model in listed)
        {
            if (await KeepsAsync(client, service, model, cancellationToken))
            {
                assets.Add(new Asset(model.Name!, loaded.Contains(model.Name!)));
            }
        }

        return new DiscoveryOutcome(true, null, assets, running.Count, vram);
    }

    private async Task<bool> KeepsAsync(HttpClient client, ServiceConfig service, OllamaModel model, CancellationToken cancellationToken)
    {
        var required = service.Kind switch
        {
            "chat" => "completion",
            "embeddings" => "embedding",
            _ => null,
        };
        if (required is null)
        {
            return true;
        }

        var key = model.Digest is { Length: > 0 } digest ? digest : "name:" + model.Name;
        if (!_capabilities.TryGetValue(key, out var capabilities))
        {
            var show = await RuntimeHttp.PostJsonAsync(client, service.Endpoint + "/api/show", new OllamaShowRequest(model.Name!),
                NodeJsonContext.Wire.OllamaShowRequest, NodeJsonContext.Wire.OllamaShow, cancellationToken);
            if (show.Value is null)
            {
                // An error keeps the model; it is asked again next run.
                return true;
            }

            capabilities = show.Value.Capabilities ?? [];
            _capabilities[key] = capabilities;
        }

        return capabilities.Count == 0 || capabilities.Contains(required, StringComparer.Ordinal);
    }
}
