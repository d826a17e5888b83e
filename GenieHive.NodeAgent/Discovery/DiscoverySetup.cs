using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Inventory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GenieHive.NodeAgent.Discovery;

internal static class DiscoverySetup
{
    /// <summary>Host and model discovery, the local checks and the background loop that runs them (N2, D18).</summary>
    public static IHostApplicationBuilder AddDiscovery(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(ExecutableLocator.FromEnvironment());
        // No resilience handler: discovery is best effort, one 5 s attempt per call (api.md §6.3).
        services.AddHttpClient(RuntimeHttp.ClientName, client => client.Timeout = RuntimeHttp.Timeout);
        services.AddSingleton<GpuProbe>();
        services.AddSingleton<OllamaDiscovery>();
        services.AddSingleton<OpenAiDiscovery>();
        services.AddSingleton<ServiceProbe>();
        services.AddSingleton<ServiceChecker>();
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<NodeConfig>();
            var resources = HostResourcesBuilder.Build(config.Inventory, null, null, null, []);
            var reports = config.Services.Select(s => ServiceChecker.FromConfig(s, config.Node.HostId)).ToList();
            return new InventoryState(new InventorySnapshot(resources, reports));
        });
        services.AddSingleton<InventoryRefresher>();
        services.AddHostedService<DiscoveryLoop>();
        return builder;
    }
}
