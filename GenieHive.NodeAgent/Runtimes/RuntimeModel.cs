using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One model a <c>runtimes:</c> entry serves: one registered service with one asset, one stable endpoint on the agent
/// and, while loaded, one runtime-host process.
/// </summary>
/// <param name="AssetId">From the file name (<see cref="ModelIds.FromFileName"/>), or <c>all-minilm-l6-v2</c>.</param>
/// <param name="Path">The GGUF file; null for MiniLM, whose model is built in.</param>
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

    /// <summary>The <c>runtime.engine</c> reported: the engine's own name, as other llama.cpp servers report it.</summary>
    public string EngineName => Entry.Engine == RuntimeConfig.MiniLm ? "minilm" : "llama.cpp";
}
