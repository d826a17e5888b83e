using GenieHive.NodeAgent.Runtimes;

namespace GenieHive.Tests.Support;

/// <summary>A node agent serving the generated whisper models (<see cref="WhisperModels"/>) through <c>runtimes:</c>, preloaded.</summary>
public sealed class WhisperAgent : IAsyncLifetime
{
    private readonly WhisperModels _models = new();

    internal NodeAgentHost Agent { get; private set; } = null!;

    internal WhisperModels Models => _models;

    internal RuntimeService Service(string assetId) => Agent.Services.GetRequiredService<RuntimeServices>().Find(assetId)!;

    internal HttpClient Client(string assetId) => new() { BaseAddress = new Uri(Service(assetId).Endpoint.Url) };

    public async Task InitializeAsync()
    {
        Agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "stt-host", listen_port: 0 }
            runtimes:
              - { id: "whisper", engine: "whisper", paths: ["{{_models.Folder}}"], parallel: 2, threads: 1, preload: true }
            """);
    }

    public async Task DisposeAsync()
    {
        await Agent.DisposeAsync();
        _models.Dispose();
    }

    /// <summary>A transcription upload: the file as <c>clip.wav</c>, then the other parts in order.</summary>
    internal static MultipartFormDataContent Form(byte[]? file, params (string Name, string Value)[] parts)
    {
        var form = new MultipartFormDataContent();
        if (file is not null)
        {
            form.Add(new ByteArrayContent(file), "file", "clip.wav");
        }

        foreach (var (name, value) in parts)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }
}
