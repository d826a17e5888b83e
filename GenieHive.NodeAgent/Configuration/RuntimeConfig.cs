namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// A <c>runtimes[]</c> entry (N3, docs/runtimes.md): models the agent serves itself, each in its own process
/// behind a stable endpoint on the agent.
/// </summary>
/// <param name="Engine"><c>llamacpp</c>, <c>minilm</c> (built in), <c>whisper</c> (whisper.cpp ggml models) or <c>process</c> (an external server per model).</param>
/// <param name="Kind">null = from the GGUF metadata (architecture and pooling type), <c>transcription</c> for whisper; else <c>chat</c>, <c>embeddings</c> or <c>transcription</c>.</param>
/// <param name="Context">Tokens per sequence; null = the model's own context length, at most 4096.</param>
/// <param name="Parallel">Requests generated at once per model.</param>
/// <param name="Queue">Requests that may wait beyond <paramref name="Parallel"/>; one more is answered 429.</param>
/// <param name="Threads">CPU threads per model process; null = the number of <see cref="Cpus"/> when set, else the engine's default.</param>
/// <param name="Preload">Start each model's process when the agent starts, not on its first request.</param>
/// <param name="IdleUnloadS">Seconds without a request after which the model's process is stopped; null = never.</param>
/// <param name="Device"><c>cpu</c> (counts against the RAM budget) or <c>gpu</c> (against the VRAM budget).</param>
/// <param name="MemoryMb">The model's memory need before it is measured, instead of the estimate; null = estimate.</param>
/// <param name="Command"><c>process</c>: the server's command line, with placeholders (docs/runtimes.md).</param>
/// <param name="HealthPath"><c>process</c>: the path polled until it answers below 400.</param>
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
    public const string Whisper = "whisper";
    public const string Process = "process";
    public const string Cpu = "cpu";
    public const string Gpu = "gpu";
    public const int DefaultContext = 4096;

    public double? IdleUnloadS { get; init; }

    public string Device { get; init; } = Cpu;

    public double? MemoryMb { get; init; }

    public string? Command { get; init; }

    public string HealthPath { get; init; } = "/health";

    /// <summary>The CPUs each model process runs on (Linux), in ascending order; null = wherever the kernel puts it.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }
}
