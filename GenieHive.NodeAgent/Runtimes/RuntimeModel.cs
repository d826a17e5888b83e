using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One model a <c>runtimes:</c> entry serves: one registered service with one asset, one stable endpoint on the agent
/// and, while loaded, one runtime-host process.
/// </summary>
/// <param name="AssetId">From the file name (<see cref="ModelIds.FromFileName"/>), or <c>all-minilm-l6-v2</c>.</param>
/// <param name="Path">The model file (GGUF, or a whisper ggml <c>.bin</c>); null for MiniLM, whose model is built in.</param>
/// <param name="Context">Tokens per sequence the runtime host allocates.</param>
/// <param name="Pooling">llama.cpp pooling type for GGUF embedding models (1 mean, 2 cls, 3 last).</param>
/// <param name="Problem">Why the file cannot be served (unreadable metadata); the service then stays unhealthy.</param>
internal sealed record RuntimeModel(
    RuntimeConfig Entry,
    string AssetId,
    string ServiceId,
    string Kind,
    string? Path,
    string? Family,
    string? Quantization,
    int? TrainedContext,
    int Context,
    int? Pooling,
    string? Problem)
{
    public const string MiniLmAssetId = "all-minilm-l6-v2";

    /// <summary>The model file's size (0 for MiniLM, whose model is inside the package).</summary>
    public long FileBytes { get; init; }

    /// <summary>KV cache bytes per token of context per sequence (<see cref="GgufMetadata.KvBytesPerToken"/>).</summary>
    public long KvBytesPerToken { get; init; }

    /// <summary>Bytes one request's state takes when it is not a KV cache of <c>context</c> tokens (<see cref="WhisperModelFile.StateBytes"/>).</summary>
    public long StateBytes { get; init; }

    /// <summary>The <c>runtime.engine</c> reported: the engine's own name, as other llama.cpp servers report it.</summary>
    public string EngineName => Entry.Engine switch
    {
        RuntimeConfig.MiniLm => "minilm",
        RuntimeConfig.Whisper => "whisper.cpp",
        RuntimeConfig.Process => "process",
        _ => "llama.cpp",
    };

    /// <summary>
    /// The memory the model needs before its process is measured (docs/runtimes.md "Memory budget"): <c>memory_mb</c>
    /// when set, else the file plus the KV cache of <c>context × parallel</c> tokens (whisper: its per-request state ×
    /// parallel) plus the process's base cost.
    /// </summary>
    public long EstimateBytes(long processOverheadBytes) => Entry.MemoryMb is { } mb
        ? (long)(mb * 1024 * 1024)
        : FileBytes + (((KvBytesPerToken * Context) + StateBytes) * Entry.Parallel) + processOverheadBytes;
}
