using System.Text;
using BenchmarkDotNet.Attributes;
using GenieHive.Control.Proxy;

namespace GenieHive.Benchmarks.Proxy;

/// <summary>
/// <see cref="SseEventTransformer"/> per event (routing.md "Streaming and response sanitising"): an ordinary token
/// chunk (the common case: three byte searches, passed through), a chunk with reasoning removed and re-emitted,
/// the injected usage-only chunk (parsed, dropped) and <c>[DONE]</c>.
/// </summary>
[MemoryDiagnoser]
public class SseTransformBenchmarks
{
    private static readonly byte[] Token = Event("""{"id":"c1","object":"chat.completion.chunk","created":1732300000,"model":"llama","choices":[{"index":0,"delta":{"content":" hello"},"finish_reason":null}]}""");
    private static readonly byte[] Reasoning = Event("""{"id":"c1","object":"chat.completion.chunk","created":1732300000,"model":"qwen3","choices":[{"index":0,"delta":{"reasoning_content":"Let me think","content":""},"finish_reason":null}]}""");
    private static readonly byte[] UsageOnly = Event("""{"id":"c1","object":"chat.completion.chunk","created":1732300000,"model":"llama","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":20,"total_tokens":32}}""");
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");

    private SseEventTransformer _transformer = null!;
    private PooledBuffer _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _transformer = new SseEventTransformer(hideUsageChunks: true);
        _output = new PooledBuffer(1024);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _transformer.Dispose();
        _output.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int TokenChunk() => (int)_transformer.Transform(Token, _output);

    [Benchmark]
    public int ReasoningChunk() => (int)_transformer.Transform(Reasoning, _output);

    [Benchmark]
    public int UsageOnlyChunk() => (int)_transformer.Transform(UsageOnly, _output);

    [Benchmark]
    public int DoneEvent() => (int)_transformer.Transform(Done, _output);

    private static byte[] Event(string json) => Encoding.UTF8.GetBytes("data: " + json + "\n\n");
}
