using LLama.Common;
using LLama.Native;

namespace GenieHive.NodeAgent.Runtimes.Host;

internal static class LlamaParameters
{
    /// <summary>
    /// CPU-only parameters for one model. The batch holds a whole context, so that a prompt is decoded in one call
    /// (llama.cpp refuses a batch larger than <c>n_batch</c>).
    /// </summary>
    public static ModelParams For(RuntimeHostSpec spec, bool embeddings)
    {
        var parameters = new ModelParams(spec.ModelPath!)
        {
            ContextSize = (uint)spec.Context,
            BatchSize = (uint)spec.Context,
            GpuLayerCount = 0,
            Embeddings = embeddings,
        };
        if (spec.Threads is { } threads)
        {
            parameters.Threads = threads;
            parameters.BatchThreads = threads;
        }

        if (embeddings && spec.Pooling is { } pooling)
        {
            parameters.PoolingType = (LLamaPoolingType)pooling;
        }

        if (embeddings)
        {
            // Embedding models (encoders) take the whole input in one ubatch.
            parameters.UBatchSize = (uint)spec.Context;
        }

        return parameters;
    }
}
