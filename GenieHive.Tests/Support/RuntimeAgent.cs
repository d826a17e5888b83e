using System.Text;

namespace GenieHive.Tests.Support;

/// <summary>A node agent serving the shared generated models (and MiniLM) through <c>runtimes:</c>.</summary>
public sealed class RuntimeAgent : ModelRuntimeAgent<RuntimeModels>
{
    internal static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    protected override string NodeYaml(RuntimeModels models) => $$"""
        node: { host_id: "rt-host", listen_port: 0 }
        runtimes:
          - { id: "gguf", engine: "llamacpp", paths: ["{{models.Folder}}", "{{models.Embedder}}"], parallel: 2, preload: true }
          - { id: "minilm", engine: "minilm", preload: true }
        """;
}
