using GenieHive.NodeAgent.Api;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Discovery;
using GenieHive.NodeAgent.Heartbeat;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.NodeAgent.Simulation;

namespace GenieHive.NodeAgent;

/// <summary>The node agent's composition: the table of contents that Program and tests share.</summary>
public static class NodeAgentApp
{
    public const string DefaultUrl = "http://127.0.0.1:8891";

    /// <remarks>Throws NodeConfigException when the node YAML has errors (already logged): exit with code 2.</remarks>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(HostingDefaults.WithoutConfigReload(args));
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.UseInlineIo();
        var loaded = builder.AddNodeConfig();
        if (loaded.Config is not { } config)
        {
            using var failed = builder.Build();
            foreach (var finding in loaded.Findings)
            {
                failed.Logger.ConfigError(finding.ToString());
            }

            throw new NodeConfigException(loaded.Findings);
        }

        builder.UseDefaultUrl(ListenUrl(config.Node));
        builder.AddSimulatedServers();
        builder.AddModelRuntimes();
        builder.AddDiscovery();
        builder.AddControlPlaneSync(config);

        var app = builder.Build();
        foreach (var warning in loaded.Warnings)
        {
            app.Logger.ConfigWarning(warning.ToString());
        }

        app.UseGenieHiveDefaults();
        app.MapDefaultEndpoints();
        app.MapNodeApi();
        return app;
    }

    private static string ListenUrl(NodeIdentityConfig node)
    {
        var host = node.ListenHost.Contains(':', StringComparison.Ordinal) && !node.ListenHost.StartsWith('[')
            ? $"[{node.ListenHost}]"
            : node.ListenHost;
        return $"http://{host}:{node.ListenPort}";
    }
}
