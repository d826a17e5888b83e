using GenieHive.NodeAgent.Configuration;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The models the <c>runtimes:</c> entries name, read once at start: the files of each path (folders searched
/// recursively, sorted), classed and described by their GGUF metadata or whisper header, and MiniLM.
/// </summary>
internal static class RuntimeCatalog
{
    /// <summary>The text context every released whisper model has, reported when a file's header cannot be read.</summary>
    private const int WhisperTextContext = 448;

    /// <summary>Architectures llama.cpp runs as encoders: their GGUFs are embedding models.</summary>
    private static readonly HashSet<string> EncoderArchitectures = new(StringComparer.Ordinal)
    {
        "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert", "modern-bert", "eurobert", "t5encoder",
    };

    public static IReadOnlyList<RuntimeModel> Build(NodeConfig config, Action<string> warn)
    {
        var models = new List<RuntimeModel>();
        var serviceIds = new HashSet<string>(config.Services.Select(s => s.ServiceId).Concat(config.Simulated.Select(s => s.ServiceId)),
            StringComparer.Ordinal);
        var assetIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in config.Runtimes)
        {
            var candidates = entry.Engine switch
            {
                RuntimeConfig.MiniLm => [MiniLm(entry, config.Node.HostId)],
                // A folder's whisper models are its *.bin files that start with the ggml magic.
                RuntimeConfig.Whisper => Files(entry.Paths, "*.bin", WhisperModelFile.HasMagic).Select(path => Whisper(entry, path, config.Node.HostId)),
                _ => Files(entry.Paths, "*.gguf", ModelIds.IsServable).Select(path => Gguf(entry, path, config.Node.HostId)),
            };
            foreach (var model in candidates)
            {
                if (!assetIds.Add(model.AssetId) || !serviceIds.Add(model.ServiceId))
                {
                    warn($"runtimes {entry.Id}: {model.Path ?? model.AssetId} gives the id \"{model.AssetId}\" that another model already has; skipped");
                    continue;
                }

                models.Add(model);
            }
        }

        return models;
    }

    /// <summary>Named files as they are; in folders, each file matching <paramref name="pattern"/> that <paramref name="isModel"/> takes (sorted).</summary>
    private static IEnumerable<string> Files(IReadOnlyList<string> paths, string pattern, Func<string, bool> isModel)
    {
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (File.Exists(full))
            {
                yield return full;
            }
            else if (Directory.Exists(full))
            {
                var files = Directory.GetFiles(full, pattern, new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseInsensitive });
                Array.Sort(files, StringComparer.Ordinal);
                foreach (var file in files)
                {
                    if (isModel(file))
                    {
                        yield return file;
                    }
                }
            }
        }
    }

    private static RuntimeModel Whisper(RuntimeConfig entry, string path, string hostId)
    {
        var assetId = ModelIds.FromFileName(path, ".bin");
        var serviceId = $"{hostId}/transcription/{assetId}";
        WhisperModelFile header;
        try
        {
            header = WhisperModelFile.Read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new RuntimeModel(entry, assetId, serviceId, "transcription", path, "whisper", null, null, WhisperTextContext, null,
                $"cannot read the whisper model header: {ex.Message}");
        }

        // Checked on Whisper.net 1.9.1: an all-F32 file loads, then the first transcription aborts the process in
        // ggml-cpu's convolution (GGML_ASSERT(src0->type == GGML_TYPE_F16)). Refused here, with the reason, instead.
        var problem = header.FileType % 1000 == 0
            ? "an all-F32 whisper model: whisper.cpp's CPU convolution takes F16 kernels and aborts on it; convert the model to F16"
            : null;
        return new RuntimeModel(entry, assetId, serviceId, "transcription", path, "whisper", header.Quantization, header.TextContext,
            header.TextContext, null, problem)
        {
            FileBytes = FileSize(path),
            StateBytes = header.StateBytes,
        };
    }

    private static RuntimeModel MiniLm(RuntimeConfig entry, string hostId) =>
        new(entry, RuntimeModel.MiniLmAssetId, $"{hostId}/embeddings/{RuntimeModel.MiniLmAssetId}", "embeddings", null, "minilm", "F32", 256,
            entry.Context ?? 256, null, null);

    private static long FileSize(string path) => new FileInfo(path).Length;

    /// <summary>A file for the process engine that is not a GGUF: served as the configured kind, nothing read from it.</summary>
    private static RuntimeModel Opaque(RuntimeConfig entry, string path, string hostId)
    {
        var assetId = ModelIds.FromFileName(path);
        var kind = entry.Kind ?? "chat";
        var problem = entry.Kind is null ? "not a GGUF file: set kind for it" : null;
        return new RuntimeModel(entry, assetId, $"{hostId}/{kind}/{assetId}", kind, path, null, null, null, entry.Context ?? RuntimeConfig.DefaultContext,
            null, problem) { FileBytes = FileSize(path) };
    }

    private static RuntimeModel Gguf(RuntimeConfig entry, string path, string hostId)
    {
        if (entry.Engine == RuntimeConfig.Process && !path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            return Opaque(entry, path, hostId);
        }

        var assetId = ModelIds.FromFileName(path);
        GgufMetadata metadata;
        try
        {
            metadata = GgufMetadata.Read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            var kind = entry.Kind ?? "chat";
            return new RuntimeModel(entry, assetId, $"{hostId}/{kind}/{assetId}", kind, path, null, null, null, entry.Context ?? RuntimeConfig.DefaultContext,
                null, $"cannot read the GGUF metadata: {ex.Message}");
        }

        var pooling = metadata.PoolingType;
        var architecture = metadata.Architecture;
        var isEncoder = architecture is not null && EncoderArchitectures.Contains(architecture);
        var classified = entry.Kind ?? (isEncoder || pooling is 1 or 2 or 3 ? "embeddings" : "chat");
        string? problem = null;
        if (entry.Kind is null && pooling == 4)
        {
            problem = "a reranking model (pooling type rank); not served";
        }
        else if (classified == "chat" && isEncoder)
        {
            problem = $"architecture {architecture} is an encoder; it cannot generate chat";
        }

        var trained = metadata.ContextLength is { } length and > 0 ? (int)Math.Min(length, int.MaxValue) : (int?)null;
        var context = entry.Context ?? Math.Min(trained ?? RuntimeConfig.DefaultContext, RuntimeConfig.DefaultContext);
        int? poolingType = classified == "embeddings" ? (pooling is 1 or 2 or 3 ? (int)pooling : isEncoder ? null : 1) : null;
        return new RuntimeModel(entry, assetId, $"{hostId}/{classified}/{assetId}", classified, path, architecture, metadata.Quantization, trained,
            context, poolingType, problem)
        {
            FileBytes = FileSize(path),
            KvBytesPerToken = metadata.KvBytesPerToken,
        };
    }
}
