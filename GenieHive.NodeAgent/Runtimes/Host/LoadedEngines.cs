namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>The engine a runtime host loaded: exactly one of them is set, by the spec's engine and kind.</summary>
internal sealed record LoadedEngines(LlamaChatEngine? Chat, IEmbeddingEngine? Embeddings, WhisperEngine? Transcription) : IDisposable
{
    public void Dispose()
    {
        Chat?.Dispose();
        Embeddings?.Dispose();
        Transcription?.Dispose();
    }
}
