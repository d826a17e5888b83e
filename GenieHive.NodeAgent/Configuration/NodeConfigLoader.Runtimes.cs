namespace GenieHive.NodeAgent.Configuration;

internal static partial class NodeConfigLoader
{
    private static readonly string[] Engines = [RuntimeConfig.LlamaCpp, RuntimeConfig.MiniLm, RuntimeConfig.Whisper, RuntimeConfig.Process];
    private static readonly string[] RuntimeKinds = ["auto", "chat", "embeddings", "transcription"];
    private static readonly string[] Devices = [RuntimeConfig.Cpu, RuntimeConfig.Gpu];

    /// <summary><c>runtime_budget</c> (docs/runtimes.md "Memory budget"): gigabytes, converted to bytes.</summary>
    private static RuntimeBudgetConfig ReadRuntimeBudget(MapReader map)
    {
        var ram = map.Number("ram_gb", null, above: 0);
        var vram = map.Number("vram_gb", null, above: 0);
        map.Finish();
        return new RuntimeBudgetConfig(ram is { } r ? (long)(r * (1L << 30)) : null, vram is { } v ? (long)(v * (1L << 30)) : null);
    }

    /// <summary>A <c>runtimes[]</c> entry (docs/runtimes.md): every problem is a finding, as for the other sections.</summary>
    private static RuntimeConfig? ReadRuntimeEntry(MapReader map, HashSet<string> ids)
    {
        var id = map.RequiredString("id");
        if (id.Length > 0 && !ids.Add(id))
        {
            map.Reader.Error(map.PathOf("id"), $"\"{id}\" repeats another runtime id", map.At("id"));
        }

        // An unknown engine is one error; the checks that depend on the engine are skipped for it.
        var engine = map.OneOf("engine", null, Engines, required: true);
        var paths = map.StringList("paths");
        var kind = map.OneOf("kind", "auto", RuntimeKinds) ?? "auto";
        var command = map.String("command");
        if (engine is RuntimeConfig.LlamaCpp or RuntimeConfig.Whisper or RuntimeConfig.Process)
        {
            if (!map.Has("paths") || paths.Count == 0)
            {
                map.Reader.Error(map.PathOf("paths"), $"is required for engine {engine}: the model files or folders to serve", map.At("paths"));
            }

            if (engine == RuntimeConfig.Process && string.IsNullOrWhiteSpace(command))
            {
                map.Reader.Error(map.PathOf("command"), "is required for engine process: the server's command line ({model}, {port}, …)", map.At("command"));
            }
            else if (engine == RuntimeConfig.LlamaCpp && kind == "transcription")
            {
                map.Reader.Error(map.PathOf("kind"), "engine llamacpp serves chat or embeddings", map.At("kind"));
            }
            else if (engine == RuntimeConfig.Whisper)
            {
                if (kind is "chat" or "embeddings")
                {
                    map.Reader.Error(map.PathOf("kind"), "engine whisper serves transcription only", map.At("kind"));
                }

                if (map.Has("context"))
                {
                    map.Reader.Error(map.PathOf("context"), "engine whisper has no context to set: a model's text context is in its file", map.At("context"));
                }

                kind = "transcription";
            }

            for (var i = 0; i < paths.Count; i++)
            {
                var full = Path.GetFullPath(paths[i]);
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    map.Reader.Warning(ConfigPath.Index(map.PathOf("paths"), i), $"\"{paths[i]}\" does not exist; nothing served from it",
                        map.At("paths"));
                }
            }
        }
        else if (engine == RuntimeConfig.MiniLm)
        {
            if (paths.Count > 0)
            {
                map.Reader.Error(map.PathOf("paths"), "engine minilm serves its built-in all-MiniLM-L6-v2; remove paths", map.At("paths"));
            }

            if (kind is "chat" or "transcription")
            {
                map.Reader.Error(map.PathOf("kind"), "engine minilm serves embeddings only", map.At("kind"));
            }

            kind = "embeddings";
        }

        var config = new RuntimeConfig(
            id,
            engine ?? "",
            paths,
            kind == "auto" ? null : kind,
            map.Int("context", null, 16, 1 << 20),
            map.Int("parallel", 1, 1, 64) ?? 1,
            map.Int("queue", 8, 0, 10_000) ?? 8,
            map.Int("threads", null, 1, 1024),
            map.Bool("preload", false),
            map.Number("load_timeout_s", 120, above: 0) ?? 120,
            map.String("listen_host", "127.0.0.1") ?? "127.0.0.1")
        {
            IdleUnloadS = map.Number("idle_unload_s", null, above: 0),
            Device = map.OneOf("device", RuntimeConfig.Cpu, Devices) ?? RuntimeConfig.Cpu,
            MemoryMb = map.Number("memory_mb", null, above: 0),
            Command = engine == RuntimeConfig.Process ? command : null,
            HealthPath = map.String("health_path", "/health") is { Length: > 0 } health && health.StartsWith('/') ? health : "/health",
            Cpus = ReadCpus(map, engine),
        };
        if (engine != RuntimeConfig.Process && command is not null)
        {
            map.Reader.Error(map.PathOf("command"), "is only for engine process", map.At("command"));
        }

        map.Finish();
        return config;
    }

    /// <summary>
    /// <c>cpus</c> (docs/runtimes.md "CPU pinning"): a CPU list for the runtime hosts the agent starts. An external
    /// server (engine <c>process</c>) starts its own threads, so it is pinned by its own option or <c>taskset</c>.
    /// </summary>
    private static int[]? ReadCpus(MapReader map, string? engine)
    {
        if (map.String("cpus") is not { } text)
        {
            return null;
        }

        var cpus = CpuList.Parse(text, out var error);
        if (cpus is null)
        {
            map.Reader.Error(map.PathOf("cpus"), error! + ", as in \"1\", \"0-3\" or \"0,2,4-7\"", map.At("cpus"));
            return null;
        }

        if (engine == RuntimeConfig.Process)
        {
            map.Reader.Error(map.PathOf("cpus"),
                "is for the engines the agent runs itself; pin an external server with its own option or taskset in command", map.At("cpus"));
            return null;
        }

        if (!OperatingSystem.IsLinux())
        {
            map.Reader.Warning(map.PathOf("cpus"), "CPU pinning is applied on Linux only; ignored here", map.At("cpus"));
            return null;
        }

        return cpus;
    }
}
