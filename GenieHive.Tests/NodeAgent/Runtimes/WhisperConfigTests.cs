using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Runtimes;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>The <c>whisper</c> engine's YAML, the models its paths name, their ids and their headers.</summary>
public sealed class WhisperConfigTests(WhisperModels models) : IClassFixture<WhisperModels>
{
    [Fact]
    public void A_whisper_entry_must_name_paths_and_serves_transcription_only()
    {
        var result = NodeConfigLoader.Parse("""
            runtimes:
              - { id: "a", engine: "whisper" }
              - { id: "b", engine: "whisper", paths: ["/x"], kind: "chat" }
              - { id: "c", engine: "whisper", paths: ["/x"], context: 512 }
            limits: { max_multipart_body_bytes: 0 }
            """, "node.yaml");

        var errors = result.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.KeyPath).ToArray();
        Assert.Equal(["limits.max_multipart_body_bytes", "runtimes[0].paths", "runtimes[1].kind", "runtimes[2].context"], errors.Order(StringComparer.Ordinal));
        Assert.Null(result.Config);
    }

    [Fact]
    public void A_folder_serves_its_ggml_models_as_transcription_named_after_their_files()
    {
        var result = NodeConfigLoader.Parse($$"""
            node: { host_id: "cfg-host" }
            runtimes:
              - { id: "stt", engine: "whisper", paths: ["{{models.Folder}}"], parallel: 2 }
            limits: { max_multipart_body_bytes: 1000000 }
            """, "node.yaml");
        Assert.NotNull(result.Config);
        Assert.Equal(("transcription", 1_000_000L), (result.Config.Runtimes[0].Kind, result.Config.MaxMultipartBodyBytes));

        var catalog = RuntimeCatalog.Build(result.Config, _ => { });

        // notes.bin in the same folder has no ggml magic: not a model.
        Assert.Equal(["tiny-whisper", "tiny-whisper.en"], catalog.Select(m => m.AssetId));
        Assert.All(catalog, m => Assert.Equal(("transcription", "whisper", "F16", 448, (string?)null), (m.Kind, m.Family, m.Quantization, m.Context, m.Problem)));
        Assert.Equal("cfg-host/transcription/tiny-whisper", catalog[0].ServiceId);
        Assert.Equal("whisper.cpp", catalog[0].EngineName);
        Assert.Equal(new FileInfo(models.Multilingual).Length, catalog[0].FileBytes);
    }

    [Fact]
    public void A_named_file_that_is_not_a_whisper_model_is_listed_with_the_reason_it_cannot_be_served()
    {
        using var dir = new TempDirectory();
        var text = dir.Write("ggml-notes.bin", "definitely not ggml");
        var result = NodeConfigLoader.Parse($$"""
            runtimes:
              - { id: "stt", engine: "whisper", paths: ["{{text}}"] }
            """, "node.yaml");

        var model = Assert.Single(RuntimeCatalog.Build(result.Config!, _ => { }));

        Assert.Equal("ggml-notes", model.AssetId);
        Assert.Contains("no 'ggml' magic", model.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_all_f32_whisper_model_is_listed_unservable_because_whisper_cpp_aborts_on_it()
    {
        using var dir = new TempDirectory();
        var header = File.ReadAllBytes(models.Multilingual)[..48];
        BitConverter.GetBytes(0).CopyTo(header, 44); // ftype 0: every tensor f32
        var path = dir.Combine("ggml-f32.bin");
        File.WriteAllBytes(path, header);
        var result = NodeConfigLoader.Parse($$"""
            runtimes:
              - { id: "stt", engine: "whisper", paths: ["{{path}}"] }
            """, "node.yaml");

        var model = Assert.Single(RuntimeCatalog.Build(result.Config!, _ => { }));

        Assert.Equal("F32", model.Quantization);
        Assert.Contains("all-F32", model.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_header_says_vocabulary_sizes_layers_and_weight_type_and_reads_even_when_the_tensors_are_cut()
    {
        var multilingual = WhisperModelFile.Read(models.Multilingual);
        var english = WhisperModelFile.Read(models.English);
        var cut = WhisperModelFile.Read(models.Truncated);

        Assert.Equal((51865, 1500, 64, 2, 1, 448, 1, 80, "F16", true),
            (multilingual.Vocabulary, multilingual.AudioContext, multilingual.AudioState, multilingual.AudioHeads, multilingual.AudioLayers,
                multilingual.TextContext, multilingual.TextLayers, multilingual.Mels, multilingual.Quantization, multilingual.Multilingual));
        Assert.False(english.Multilingual);
        Assert.Equal(multilingual, cut);
        Assert.Throws<InvalidDataException>(() => WhisperModelFile.Parse([0x6c, 0x6d, 0x67, 0x67, 1, 0, 0, 0]));
        Assert.Throws<InvalidDataException>(() => WhisperModelFile.Parse(new byte[48]));
    }

    [Theory]
    [InlineData("ggml-base.en.bin", "ggml-base.en")]
    [InlineData("/models/Whisper Large v3 (turbo).bin", "whisper-large-v3-turbo")]
    [InlineData("ggml-small-q5_1.bin", "ggml-small-q5_1")]
    public void Whisper_asset_ids_are_the_file_name_without_bin(string path, string id) => Assert.Equal(id, ModelIds.FromFileName(path, ".bin"));
}
