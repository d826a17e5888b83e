using System.Collections.Concurrent;
using LLama;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>GGUF embedding models through llama.cpp: one embedder (context) per parallel request, pooled vectors, L2-normalised.</summary>
internal sealed class LlamaEmbeddingEngine : IEmbeddingEngine
{
    private readonly LLamaWeights _weights;
    private readonly ConcurrentQueue<LLamaEmbedder> _embedders = new();

    private LlamaEmbeddingEngine(LLamaWeights weights, IEnumerable<LLamaEmbedder> embedders)
    {
        _weights = weights;
        foreach (var embedder in embedders)
        {
            _embedders.Enqueue(embedder);
        }
    }

    public static async Task<LlamaEmbeddingEngine> LoadAsync(RuntimeHostSpec spec, CancellationToken cancellationToken)
    {
        var parameters = LlamaParameters.For(spec, embeddings: true);
        var weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken);
        var embedders = new List<LLamaEmbedder>(spec.Parallel);
        for (var i = 0; i < spec.Parallel; i++)
        {
            embedders.Add(new LLamaEmbedder(weights, parameters, null));
        }

        return new LlamaEmbeddingEngine(weights, embedders);
    }

    public async Task<(float[][] Vectors, int PromptTokens)> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        if (!_embedders.TryDequeue(out var embedder))
        {
            throw new InvalidOperationException("no free embedder although the request gate admitted the request");
        }

        try
        {
            var vectors = new float[inputs.Count][];
            var tokens = 0;
            for (var i = 0; i < inputs.Count; i++)
            {
                tokens += _weights.Tokenize(inputs[i], _weights.Vocab.ShouldAddBOS, false, System.Text.Encoding.UTF8).Length;
                var pooled = await embedder.GetEmbeddings(inputs[i], cancellationToken);
                vectors[i] = VectorMath.Normalized(pooled[0]);
            }

            return (vectors, tokens);
        }
        finally
        {
            _embedders.Enqueue(embedder);
        }
    }

    public void Dispose()
    {
        while (_embedders.TryDequeue(out var embedder))
        {
            embedder.Dispose();
        }

        _weights.Dispose();
    }
}
