using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>
/// One service's background check (D18): discovery when it has a <c>discover_protocol</c> (success = healthy), else the
/// probe; the verdict becomes <c>state.health</c> unless <c>health_check: false</c>. Every run restarts from the YAML.
/// </summary>
internal sealed partial class ServiceChecker(OllamaDiscovery ollama, OpenAiDiscovery openAi, ServiceProbe probe, ILogger<ServiceChecker> logger)
{
    public static ServiceReport FromConfig(ServiceConfig service, string hostId) =>
        new(service.ServiceId, hostId, service.Kind, service.Protocol, service.Endpoint, service.Runtime, service.Assets, service.State,
            service.Observed);

    public async Task<ServiceReport> CheckAsync(ServiceConfig service, string hostId, CancellationToken cancellationToken)
    {
        var report = FromConfig(service, hostId);
        if (!service.EndpointConfigured)
        {
            return report;
        }

        DiscoveryOutcome outcome;
        switch (service.DiscoverProtocol)
        {
            case "ollama":
                outcome = await ollama.DiscoverAsync(service, cancellationToken);
                break;
            case "openai":
                outcome = await openAi.DiscoverAsync(service, cancellationToken);
                break;
            default:
                if (!service.HealthCheck)
                {
                    return report;
                }

                outcome = await probe.ProbeAsync(service.Endpoint, cancellationToken);
                break;
        }

        if (outcome.Error is { } error)
        {
            logger.DiscoveryFailed(service.ServiceId, service.Endpoint, error);
        }

        var observed = outcome.LoadedModelCount is null && outcome.VramUsedBytes is null
            ? report.Observed
            : report.Observed with { LoadedModelCount = outcome.LoadedModelCount, VramUsedBytes = outcome.VramUsedBytes };
        var state = service.HealthCheck ? report.State with { Health = outcome.Reachable ? "healthy" : "unhealthy" } : report.State;
        return report with { Assets = AssetMerge.Merge(service.Assets, outcome.Discovered), State = state, Observed = observed };
    }
}
