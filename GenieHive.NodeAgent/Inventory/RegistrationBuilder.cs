using System.Text.Json;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Heartbeat;
using GenieHive.NodeAgent.Protocol;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.NodeAgent.Simulation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace GenieHive.NodeAgent.Inventory;

/// <summary>
/// Builds what the agent sends and shows (api.md §3.1, §3.2, §5) from the YAML, the latest background findings,
/// the simulated servers and the served models (N3); never waits on a model server.
/// </summary>
internal sealed class RegistrationBuilder(
    NodeConfig config,
    InventoryState state,
    SimulatedServers simulated,
    RuntimeServices runtimes,
    AgentSettings settings,
    IServer server,
    TimeProvider time)
{
    public IReadOnlyList<ServiceReport> Services()
    {
        var configured = state.Current.Services;
        var sims = simulated.Reports();
        var served = runtimes.Reports();
        if (sims.Count == 0 && served.Count == 0)
        {
            return configured;
        }

        return [.. configured, .. sims, .. served];
    }

    public RegistrationPayload Registration()
    {
        var node = config.Node;
        return new RegistrationPayload(node.HostId, node.DisplayName, node.EffectiveAddress, AgentUrl(), node.Labels,
            config.Inventory.Capabilities, state.Current.Resources, settings.InstanceId, Services());
    }

    public HeartbeatPayload Heartbeat(string status, HostResources? resources)
    {
        var services = Services();
        var healthy = 0;
        foreach (var service in services)
        {
            if (service.State.Health == "healthy")
            {
                healthy++;
            }
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        return new HeartbeatPayload(config.Node.HostId, settings.InstanceId, new HeartbeatStatus(status, now),
            new HeartbeatMetrics(services.Count, healthy, state.Current.Resources.DiscoveredModels.Count), services, resources);
    }

    /// <summary>The resources as JSON, to tell whether they changed since the control plane last accepted them.</summary>
    public static string Fingerprint(HostResources resources) => JsonSerializer.Serialize(resources, NodeJsonContext.Wire.HostResources);

    /// <summary>The agent's own base URL at its registered address, once Kestrel has bound.</summary>
    private string? AgentUrl()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal)
                .Replace("+", "localhost", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return null;
        }

        var host = config.Node.EffectiveAddress;
        if (ListenAddress.IsWildcard(host))
        {
            return null;
        }

        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            host = $"[{host}]";
        }

        return $"{uri.Scheme}://{host}:{uri.Port}";
    }
}
