using GenieHive.Control.Auth;

namespace GenieHive.Control.Api;

public static class NodeCallsSetup
{
    /// <summary>Control plane → node agent calls (api.md §6.2a) and the in-memory node keys they use.</summary>
    public static IHostApplicationBuilder AddNodeCalls(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<NodeKeyVault>();
        // No resilience handler: a load must not be retried (the node shares loads anyway), and it may take as long
        // as the node's load timeout; the node ends a slow load itself, this cap only bounds a hung agent.
        builder.Services.AddHttpClient(AssetActions.ClientName, client => client.Timeout = TimeSpan.FromMinutes(15));
        return builder;
    }
}
