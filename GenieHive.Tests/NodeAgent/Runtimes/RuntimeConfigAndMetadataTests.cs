using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

public sealed class RuntimeConfigAndMetadataTests(RuntimeModels models) : IClassFixture<RuntimeModels>
{
    [Fact]
    public void An_invalid_runtimes_section_lists_every_error_with_its_key_path()
    {
        var result = NodeConfigLoader.Parse("""
            runtimes:
              - { id: "a", engine: "vllm" }
              - { id: "a", engine: "llamacpp", parallel: 0, queue: -1, kind: "rerank", load_timeout_s: 0 }
              - { id: "m", engine: "minilm", paths: ["/x"], kind: "chat", colour: "red" }
            """, "node.yaml");

        var errors = result.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.KeyPath).ToArray();
        Assert.Equal(
            [
                "runtimes[0].engine", "runtimes[1].id", "runtimes[1].kind", "runtimes[1].paths", "runtimes[1].parallel", "runtimes[1].queue",
                "runtimes[1].load_timeout_s", "runtimes[2].paths", "runtimes[2].kind",
            ],
            errors);
        Assert.Contains(result.Findings, f => f is { Severity: FindingSeverity.Warning, KeyPath: "runtimes[2].colour" });
        Assert.Null(result.Config);
    }

    [Fact]
    public void A_valid_runtimes_section_is_a_known_key_with_its_defaults()
    {
        var result = NodeConfigLoader.Parse($$"""
            node: { host_id: "cfg-host" }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{models.Folder}}", "/no/such/folder"] }
              - { id: "minilm", engine: "minilm", parallel: 2 }
            """, "node.yaml");

        Assert.NotNull(result.Config);
        Assert.Equal(["runtimes[0].paths[1]"], result.Findings.Select(f => f.KeyPath));
        var gguf = result.Config.Runtimes[0];
        Assert.Equal((null, null, 1, 8, false, 120.0, "127.0.0.1"), (gguf.Kind, gguf.Context, gguf.Parallel, gguf.Queue, gguf.Preload, gguf.LoadTimeoutS, gguf.ListenHost));
        Assert.Equal("embeddings", result.Config.Runtimes[1].Kind);
    }

    [Fact]
    public void The_gguf_metadata_reader_finds_architecture_context_quantisation_and_pooling()
    {
        var chat = GgufMetadata.Read(models.Tiny);
        var embed = GgufMetadata.Read(models.Embedder);

        Assert.Equal((3u, "llama", 2048L, "F32", true, (long?)null), (chat.Version, chat.Architecture, chat.ContextLength, chat.Quantization, chat.HasChatTemplate, chat.PoolingType));
        Assert.Equal(1L, embed.PoolingType);
        Assert.Equal(398UL, ((GgufArrayLength)chat.Values["tokenizer.ggml.tokens"]).Count);
        // Cut in its tensor data, the file still reads here: only its runtime host finds out.
        Assert.Equal("llama", GgufMetadata.Read(models.Truncated).Architecture);
    }

    [Fact]
    public void A_file_that_is_not_gguf_or_ends_in_its_metadata_is_invalid_data()
    {
        using var dir = new TempDirectory();
        var text = dir.Write("notes.gguf", "hello");
        var bytes = File.ReadAllBytes(models.Tiny);
        var cut = dir.Combine("cut.gguf");
        File.WriteAllBytes(cut, bytes[..200]);

        Assert.Throws<InvalidDataException>(() => GgufMetadata.Read(text));
        Assert.Throws<InvalidDataException>(() => GgufMetadata.Read(cut));
    }

    [Theory]
    [InlineData("Qwen3-8B-Q4_K_M.gguf", "qwen3-8b-q4_k_m")]
    [InlineData("/models/Meta Llama 3.1 (8B).gguf", "meta-llama-3.1-8b")]
    [InlineData("nomic-embed-text-v1.5.f16.gguf", "nomic-embed-text-v1.5.f16")]
    public void Asset_ids_come_from_the_file_name(string path, string id) => Assert.Equal(id, ModelIds.FromFileName(path));

    [Theory]
    [InlineData("big-00001-of-00003.gguf", true)]
    [InlineData("big-00002-of-00003.gguf", false)]
    [InlineData("mmproj-model-f16.gguf", false)]
    [InlineData("plain.gguf", true)]
    public void Later_parts_of_split_ggufs_and_projectors_are_not_models_of_their_own(string name, bool servable) =>
        Assert.Equal(servable, ModelIds.IsServable(name));
}
