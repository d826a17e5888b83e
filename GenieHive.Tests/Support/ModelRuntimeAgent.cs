using GenieHive.NodeAgent.Runtimes;

namespace GenieHive.Tests.Support;

/// <summary>
/// A node agent serving generated models through <c>runtimes:</c>, shared by a test class: the models are written
/// first, the agent starts with the node YAML of <see cref="NodeYaml"/>, and both go away at the end.
/// </summary>
public abstract class ModelRuntimeAgent<TModels> : IAsyncLifetime
    where TModels : IDisposable, new()
{
    private readonly TModels _models = new();

    internal NodeAgentHost Agent { get; private set; } = null!;

    internal TModels Models => _models;

    internal RuntimeService Service(string assetId) => Agent.Services.GetRequiredService<RuntimeServices>().Find(assetId)!;

    internal HttpClient Client(string assetId) => new() { BaseAddress = new Uri(Service(assetId).Endpoint.Url) };

    /// <summary>The node YAML that serves <paramref name="models"/>.</summary>
    protected abstract string NodeYaml(TModels models);

    public async Task InitializeAsync() => Agent = await NodeAgentHost.StartAsync(NodeYaml(_models));

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        _models.Dispose();
    }
}
