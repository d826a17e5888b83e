using GenieHive.NodeAgent;
using GenieHive.NodeAgent.Simulation;

namespace GenieHive.Tests.Support;

/// <summary>The real node agent (NodeAgentApp) on 127.0.0.1 port 0, configured by a YAML written to a temp folder.</summary>
internal sealed class NodeAgentHost : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private NodeAgentHost(TempDirectory dir, KestrelHost host)
    {
        _dir = dir;
        Host = host;
    }

    public KestrelHost Host { get; }

    public IServiceProvider Services => Host.App.Services;

    public HttpClient CreateClient(string? nodeKey = null)
    {
        var client = Host.CreateClient();
        if (nodeKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-GenieHive-Node-Key", nodeKey);
        }

        return client;
    }

    public SimulatedServer Simulated(string id) => Services.GetRequiredService<SimulatedServers>().Find(id)!;

    public HttpClient SimulatedClient(string id) => new() { BaseAddress = new Uri(Simulated(id).Endpoint) };

    public static async Task<NodeAgentHost> StartAsync(string yaml, Action<WebApplicationBuilder>? configure = null)
    {
        var dir = new TempDirectory();
        var path = dir.Write("node.yaml", yaml);
        var app = NodeAgentApp.Build(["--config", path, "--urls", "http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders();
            configure?.Invoke(builder);
        });
        return new NodeAgentHost(dir, await KestrelHost.StartAsync(app));
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _dir.Dispose();
    }
}
