using System.Net;
using System.Text.Json;
using GenieHive.Control.Models;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Control.Routing;

public sealed class ModelsApiTests
{
    private static RoutingFixture Cluster()
    {
        var f = new RoutingFixture();
        f.Host("atlas-01", resources: """{"trust_tier":"Trusted_Datacenter","device_class":"gpu_server"}""");
        f.Service("atlas-01/chat/qwen3-8b", "atlas-01", assets: ["qwen3-8b-q4km"], p50: 900,
            runtime: """{"engine":"llama.cpp","context_size":32768}""", createdAt: 1_732_290_000.7);
        f.Service("h2/chat", "h2", assets: ["shared"], p50: 500);
        f.Service("h3/chat", "h3", assets: ["shared"], p50: 100);
        f.Host("h4", lastSeen: RoutingFixture.Start - 300);
        f.Service("h4/chat", "h4", assets: ["gone"]);
        f.Service("h5/chat", "h5", assets: ["cool"]);
        f.Trip("h5/chat");
        f.Service("ollama/chat", "ollama", assets: ["nomic-embed-text", "llama3"], p50: 2000);
        f.Service("ollama/embed", "ollama", kind: "embeddings", assets: ["nomic-embed-text"], p50: 3000);
        f.Role("mentor", prompt: new GenieHive.Control.Registry.PromptPolicy("You mentor.", null,
            new GenieHive.Control.Registry.RequestPolicy(RoutingFixture.Json("""{"temperature":0.2}"""), null)),
            policy: p => p with { PreferredFamilies = ["qwen3"] });
        f.Role("shared");
        f.Role("empty", operation: "transcription");
        return f;
    }

    [Fact]
    public async Task Listing_has_one_entry_per_id_sorted_with_direct_before_role_and_stale_services_left_out()
    {
        await using var host = await RoutingApiTests.StartAsync(Cluster());
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/v1/models");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("req_", response.Headers.GetValues("X-Request-Id").Single(), StringComparison.Ordinal);
        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var data = doc.RootElement.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(
            ["atlas-01/chat/qwen3-8b", "cool", "empty", "h2/chat", "h3/chat", "h5/chat", "llama3", "mentor", "nomic-embed-text",
             "ollama/chat", "ollama/embed", "qwen3-8b-q4km", "shared"],
            data.Select(e => e.GetProperty("id").GetString()));
        var byId = data.ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("geniehive"));

        Assert.Equal("asset", byId["shared"].GetProperty("route_type").GetString());
        Assert.Equal("h3/chat", byId["shared"].GetProperty("service_id").GetString());
        Assert.Equal("h5/chat", byId["cool"].GetProperty("service_id").GetString());
        Assert.Equal("embeddings", byId["nomic-embed-text"].GetProperty("operation").GetString());
        Assert.Equal("ollama/embed", byId["nomic-embed-text"].GetProperty("service_id").GetString());
        Assert.Equal("service", byId["h2/chat"].GetProperty("route_type").GetString());
        Assert.Equal(JsonValueKind.Null, byId["ollama/embed"].GetProperty("effective_request_policy").ValueKind);
        Assert.Equal("usable_for_background_tasks", byId["llama3"].GetProperty("offload_hint").GetProperty("suitability").GetString());
    }

    [Fact]
    public async Task Asset_entry_matches_the_api_md_shape()
    {
        await using var host = await RoutingApiTests.StartAsync(Cluster());
        using var client = host.CreateClient();

        var body = await client.GetStringAsync("/v1/models/qwen3-8b-q4km");

        Assert.Equal(
            """{"id":"qwen3-8b-q4km","object":"model","created":1732290000,"owned_by":"atlas-01","geniehive":{"route_type":"asset","asset_id":"qwen3-8b-q4km","service_id":"atlas-01/chat/qwen3-8b","host_id":"atlas-01","operation":"chat","protocol":"openai","endpoint":"http://atlas-01:8080","health":"healthy","availability":"available","trust_tier":"trusted_datacenter","device_class":"gpu_server","workload_classes":[],"loaded_asset_count":1,"assets":[{"asset_id":"qwen3-8b-q4km","loaded":true,"context_size":null,"max_context_tokens":null,"family":null,"request_policy":null}],"runtime":{"engine":"llama.cpp","context_size":32768},"observed":{"p50_latency_ms":900,"p95_latency_ms":null,"tokens_per_sec":null,"queue_depth":null,"in_flight":null,"loaded_model_count":null,"vram_used_bytes":null,"max_context_tokens":null},"effective_request_policy":{"body_defaults":{"chat_template_kwargs":{"enable_thinking":false}}},"offload_hint":{"operation":"chat","suitability":"good_for_low_complexity","recommended_for":"lower-complexity offload","inference_basis":{"loaded_target_count":1,"best_p50_latency_ms":900}}}}""",
            body);
    }

    [Fact]
    public async Task Role_entries_count_targets_and_show_the_policy_of_the_service_they_resolve_to()
    {
        await using var host = await RoutingApiTests.StartAsync(Cluster());
        using var client = host.CreateClient();

        using var mentor = JsonDocument.Parse(await client.GetStringAsync("/v1/models/mentor"));
        var g = mentor.RootElement.GetProperty("geniehive");
        Assert.Equal("geniehive-role", mentor.RootElement.GetProperty("owned_by").GetString());
        Assert.Equal(1_732_280_000, mentor.RootElement.GetProperty("created").GetInt64());
        Assert.Equal("role", g.GetProperty("route_type").GetString());
        Assert.Equal("mentor", g.GetProperty("role_id").GetString());
        Assert.Equal("text", g.GetProperty("modality").GetString());
        // atlas, h2, h3, ollama/chat pass; h4 is stale, h5 cools down; ollama/embed is another operation.
        Assert.Equal(4, g.GetProperty("healthy_target_count").GetInt32());
        Assert.Equal(4, g.GetProperty("loaded_target_count").GetInt32());
        Assert.Equal(100, g.GetProperty("best_p50_latency_ms").GetDouble());
        Assert.Equal("""{"body_defaults":{"chat_template_kwargs":{"enable_thinking":false},"temperature":0.2}}""",
            g.GetProperty("effective_request_policy").GetRawText());
        Assert.Equal("""["qwen3"]""", g.GetProperty("routing_policy").GetProperty("preferred_families").GetRawText());

        using var empty = JsonDocument.Parse(await client.GetStringAsync("/v1/models/empty"));
        var e = empty.RootElement.GetProperty("geniehive");
        Assert.Equal(0, e.GetProperty("healthy_target_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("effective_request_policy").ValueKind);
        Assert.Equal("""{"operation":"transcription","suitability":"cold_only","recommended_for":"transcription offload","inference_basis":{"loaded_target_count":0,"best_p50_latency_ms":null}}""",
            e.GetProperty("offload_hint").GetRawText());
    }

    [Fact]
    public async Task Retrieve_takes_ids_with_slashes_and_unknown_or_stale_ids_are_404()
    {
        await using var host = await RoutingApiTests.StartAsync(Cluster());
        using var client = host.CreateClient();

        using var service = JsonDocument.Parse(await client.GetStringAsync("/v1/models/atlas-01/chat/qwen3-8b"));
        Assert.Equal("service", service.RootElement.GetProperty("geniehive").GetProperty("route_type").GetString());

        foreach (var id in new[] { "gone", "h4/chat", "nobody" })
        {
            using var response = await client.GetAsync("/v1/models/" + id);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("\"code\":\"model_not_found\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Suitability_bands()
    {
        Assert.Equal("cold_only", ModelCatalog.Suitability(0, 10));
        Assert.Equal("good_for_low_complexity", ModelCatalog.Suitability(1, 1500));
        Assert.Equal("usable_for_background_tasks", ModelCatalog.Suitability(1, 4000));
        Assert.Equal("available_but_slow", ModelCatalog.Suitability(1, 4001));
        Assert.Equal("available_but_slow", ModelCatalog.Suitability(2, null));
    }

    [Fact]
    public void Listing_never_moves_round_robin_counters()
    {
        var f = Cluster();
        f.Strategy = Strategies.RoundRobin;
        var resolver = f.CreateResolver();

        var first = new ModelCatalog(resolver).List(f.Table());
        new ModelCatalog(resolver).List(f.Table());

        Assert.Equal(0, resolver.CounterValue("mentor"));
        Assert.Equal(0, resolver.CounterValue("shared"));
        Assert.Equal(13, first.Count);
    }
}
