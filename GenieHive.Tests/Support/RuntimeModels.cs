using GenieHive.Benchmarks.Runtime;

namespace GenieHive.Tests.Support;

/// <summary>
/// The generated models the runtime tests share, written once per test run: the tiny llama GGUF, a copy cut off in
/// its tensor data (its metadata still reads), and a llama GGUF marked as a mean-pooling embedding model.
/// </summary>
public sealed class RuntimeModels : IDisposable
{
    private readonly TempDirectory _dir = new();

    public RuntimeModels()
    {
        Folder = _dir.Combine("models");
        Directory.CreateDirectory(Folder);
        Tiny = TinyLlamaModel.Tiny.Write(Path.Combine(Folder, "Tiny-Llama.gguf"));
        var truncated = Path.Combine(_dir.Path, "broken", "broken-llama.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(truncated)!);
        var bytes = File.ReadAllBytes(Tiny);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length * 2 / 3)]);
        Truncated = truncated;
        var embedder = Path.Combine(_dir.Path, "embed", "tiny-embed.gguf");
        Directory.CreateDirectory(Path.GetDirectoryName(embedder)!);
        Embedder = (TinyLlamaModel.Tiny with { Seed = 11 }).Write(embedder, w => w.UInt32("llama.pooling_type", 1));
    }

    /// <summary>The folder holding only the tiny model (asset id <c>tiny-llama</c>).</summary>
    public string Folder { get; }

    public string Tiny { get; }

    public string Truncated { get; }

    public string Embedder { get; }

    public void Dispose() => _dir.Dispose();
}
