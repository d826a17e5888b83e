using System.Net.Http.Json;
using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Discovery;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenieHive.Tests.NodeAgent.Discovery;

public sealed class ModelDiscoveryTests
{
    private static ServiceChecker Checker()
    {
        var clients = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new ServiceChecker(new OllamaDiscovery(clients), new OpenAiDiscovery(clients), new ServiceProbe(clients), NullLogger<ServiceChecker>.Instance);
    }

    private static ServiceConfig Service(string endpoint, string kind, string protocol, string assets) =>
        NodeConfigLoader.Parse($$"""
            node: { host_id: "h" }
            services:
              - service_id: "h/{{kind}}"
                kind: "{{kind}}"
                endpoint: "{{endpoint}}"
                discover_protocol: "{{protocol}}"
                assets: {{assets}}
                state: { health: "healthy" }
                observed: { p50_latency_ms: 900 }
            """, "node.yaml").Config!.Services.Single();

    private static Task<KestrelHost> FakeOllamaAsync(int[]? showCalls = null) => KestrelHost.StartAsync(app =>
    {
        app.MapGet("/api/tags", () => Results.Text("""
            {"models":[{"name":"qwen3","digest":"d1"},{"name":"llama3:8b","digest":"d2"},{"name":"nomic-embed-text","digest":"d3"}]}
            """, "application/json"));
        app.MapGet("/api/ps", () => Results.Text("""
            {"models":[{"name":"llama3:8b","digest":"d2","size_vram":5000},{"name":"nomic-embed-text","digest":"d3","size_in_vram":300}]}
            """, "application/json"));
        app.MapPost("/api/show", async (HttpRequest request) =>
        {
            if (showCalls is not null)
            {
                Interlocked.Increment(ref showCalls[0]);
            }

            var body = await request.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            return body.GetProperty("model").GetString() == "nomic-embed-text"
                ? Results.Text("""{"capabilities":["embedding"]}""", "application/json")
                : Results.Text("""{"capabilities":["completion","tools"]}""", "application/json");
        });
    });

    [Fact]
    public async Task Ollama_discovery_marks_loaded_models_sums_vram_and_corrects_a_stale_loaded_flag()
    {
        await using var ollama = await FakeOllamaAsync();
        var service = Service(ollama.BaseAddress.ToString().TrimEnd('/'), "chat", "ollama",
            """[{ asset_id: "qwen3", loaded: true, context_size: 32768 }, { asset_id: "configured-only", loaded: true }]""");

        var report = await Checker().CheckAsync(service, "h", CancellationToken.None);

        Assert.Equal(["qwen3", "configured-only", "llama3:8b"], report.Assets.Select(a => a.AssetId));
        Assert.False(report.Assets[0].Loaded);
        Assert.Equal(32768, report.Assets[0].ContextSize);
        Assert.True(report.Assets[1].Loaded);
        Assert.True(report.Assets[2].Loaded);
        Assert.Equal(2, report.Observed.LoadedModelCount);
        Assert.Equal(5300, report.Observed.VramUsedBytes);
        Assert.Equal(900, report.Observed.P50LatencyMs);
        Assert.Equal("healthy", report.State.Health);
    }

    [Fact]
    public async Task Ollama_capabilities_decide_which_service_kind_keeps_a_model_and_are_asked_once_per_digest()
    {
        var showCalls = new int[1];
        await using var ollama = await FakeOllamaAsync(showCalls);
        var checker = Checker();
        var embeddings = Service(ollama.BaseAddress.ToString().TrimEnd('/'), "embeddings", "ollama", "[]");

        var first = await checker.CheckAsync(embeddings, "h", CancellationToken.None);
        var second = await checker.CheckAsync(embeddings, "h", CancellationToken.None);

        Assert.Equal(["nomic-embed-text"], first.Assets.Select(a => a.AssetId));
        Assert.Equal(first.Assets, second.Assets);
        Assert.Equal(3, showCalls[0]);
    }

    [Fact]
    public async Task A_dead_runtime_makes_its_service_unhealthy_and_leaves_its_assets_as_configured()
    {
        var service = Service($"http://127.0.0.1:{FreePort.Next()}", "chat", "ollama", """[{ asset_id: "qwen3", loaded: true }]""");

        var report = await Checker().CheckAsync(service, "h", CancellationToken.None);

        Assert.Equal("unhealthy", report.State.Health);
        Assert.True(report.Assets.Single().Loaded);
    }

    [Fact]
    public async Task Openai_discovery_appends_listed_models_as_loaded()
    {
        await using var server = await KestrelHost.StartAsync(app =>
            app.MapGet("/v1/models", () => Results.Text("""{"object":"list","data":[{"id":"qwen3-8b"},{"id":"extra"}]}""", "application/json")));
        var service = Service(server.BaseAddress.ToString().TrimEnd('/'), "chat", "openai", """[{ asset_id: "qwen3-8b", loaded: false, family: "qwen3" }]""");

        var report = await Checker().CheckAsync(service, "h", CancellationToken.None);

        Assert.Equal(["qwen3-8b", "extra"], report.Assets.Select(a => a.AssetId));
        Assert.All(report.Assets, a => Assert.True(a.Loaded));
        Assert.Equal("qwen3", report.Assets[0].Family);
        Assert.Null(report.Observed.LoadedModelCount);
    }

    [Fact]
    public async Task Services_without_discovery_are_probed_at_health_then_models()
    {
        await using var server = await KestrelHost.StartAsync(app =>
            app.MapGet("/v1/models", () => Results.Text("""{"data":[]}""", "application/json")));
        var service = NodeConfigLoader.Parse($$"""
            services:
              - { service_id: "h/chat", kind: "chat", endpoint: "{{server.BaseAddress.ToString().TrimEnd('/')}}", state: { health: "unhealthy" } }
            """, "node.yaml").Config!.Services.Single();

        var report = await Checker().CheckAsync(service, "h", CancellationToken.None);

        Assert.Equal("healthy", report.State.Health);
    }
}
