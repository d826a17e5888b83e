using System.Text;
using GenieHive.NodeAgent.Runtimes;

namespace GenieHive.Tests.Support;

/// <summary>A node agent serving the shared generated models (and MiniLM) through <c>runtimes:</c>.</summary>
public sealed class RuntimeAgent : IAsyncLifetime
{
    private readonly RuntimeModels _models = new();

    internal NodeAgentHost Agent { get; private set; } = null!;

    internal RuntimeModels Models => _models;

    internal RuntimeService Service(string assetId) => Agent.Services.GetRequiredService<RuntimeServices>().Find(assetId)!;

    internal HttpClient Client(string assetId) => new() { BaseAddress = new Uri(Service(assetId).Endpoint.Url) };

    public async Task InitializeAsync()
    {
        Agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "rt-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{_models.Folder}}", "{{_models.Embedder}}"], parallel: 2, preload: true }
              - { id: "minilm", engine: "minilm", preload: true }
            """);
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        _models.Dispose();
    }

    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
