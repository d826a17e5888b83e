using System.Collections.Frozen;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// The node's simulated servers, started before the agent registers (config.md §2.4) and stopped with it.
/// A hosted service so that its start completes before the other loops begin.
/// </summary>
internal sealed class SimulatedServers : IHostedService, IAsyncDisposable
{
    private readonly FrozenDictionary<string, SimulatedServer> _byId;

    public SimulatedServers(NodeConfig config, IServiceProvider services, TimeProvider time)
    {
        All = config.Simulated
            .Select(s => new SimulatedServer(s, config.Node.EffectiveAddress, config.Node.HostId, config.MaxJsonBodyBytes, services, time))
            .ToList();
        _byId = All.ToFrozenDictionary(s => s.Config.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<SimulatedServer> All { get; }

    public SimulatedServer? Find(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<ServiceReport> Reports() => All.Select(s => s.Report()).ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var server in All)
        {
            // A server declared killed still binds once, so that revive reopens a known port.
            await server.StartAsync(cancellationToken);
            if (server.Config.Killed)
            {
                await server.KillAsync();
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var server in All)
        {
            await server.KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in All)
        {
            await server.DisposeAsync();
        }
    }
}
