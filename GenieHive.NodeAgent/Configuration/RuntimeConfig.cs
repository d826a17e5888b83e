namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// A <c>runtimes[]</c> entry (N3, docs/runtimes.md): models the agent serves itself, each in its own runtime-host
/// process behind a stable endpoint on the agent.
/// </summary>
/// <param name="Engine"><c>llamacpp</c> (GGUF files named by <paramref name="Paths"/>) or <c>minilm</c> (built in).</param>
/// <param name="Kind">null = from the GGUF metadata (architecture and pooling type); else <c>chat</c> or <c>embeddings</c>.</param>
/// <param name="Context">Tokens per sequence; null = the model's own context length, at most 4096.</param>
/// <param name="Parallel">Requests generated at once per model.</param>
/// <param name="Queue">Requests that may wait beyond <paramref name="Parallel"/>; one more is answered 429.</param>
/// <param name="Threads">CPU threads per model process; null = the engine's default.</param>
/// <param name="Preload">Start each model's process when the agent starts, not on its first request.</param>
internal sealed record RuntimeConfig(
    string Id,
    string Engine,
    IReadOnlyList<string> Paths,
    string? Kind,
    int? Context,
    int Parallel,
    int Queue,
    int? Threads,
    bool Preload,
    double LoadTimeoutS,
    string ListenHost)
{
    public const string LlamaCpp = "llamacpp";
    public const string MiniLm = "minilm";
    public const int DefaultContext = 4096;
}
