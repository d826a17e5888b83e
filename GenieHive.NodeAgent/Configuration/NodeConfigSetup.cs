using GenieHive.NodeAgent.Heartbeat;

namespace GenieHive.NodeAgent.Configuration;

internal static class NodeConfigSetup
{
    public const string PathVariable = "GENIEHIVE_NODE_CONFIG";

    /// <summary>
    /// Loads the node YAML (<c>--config</c>, else <c>GENIEHIVE_NODE_CONFIG</c>) and registers it with the resolved
    /// control-plane settings; the result says whether the agent may start.
    /// </summary>
    public static NodeConfigResult AddNodeConfig(this IHostApplicationBuilder builder)
    {
        var path = builder.Configuration["config"];
        if (string.IsNullOrEmpty(path))
        {
            path = builder.Configuration[PathVariable];
        }

        var result = NodeConfigLoader.Load(path, builder.Environment.IsDevelopment());
        if (result.Config is { } config)
        {
            builder.Services.AddSingleton(config);
            builder.Services.AddSingleton(AgentSettings.Resolve(config, builder.Configuration));
        }

        return result;
    }
}
