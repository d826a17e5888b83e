namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>An embeddings runtime: GGUF embedding models through llama.cpp, or MiniLM.</summary>
internal interface IEmbeddingEngine : IDisposable
{
    /// <summary>One unit vector per input, in order, and the input tokens counted.</summary>
    Task<(float[][] Vectors, int PromptTokens)> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken);
}
