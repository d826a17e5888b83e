using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Benchmarks.Routing;

/// <summary>A synthetic snapshot: <c>n</c> healthy chat services on <c>n/4</c> hosts, two per asset id, three roles.</summary>
internal static class RoutingBenchmarkCluster
{
    public const double Now = 1_732_300_000;

    public static RoutingTable Create(int serviceCount, string strategy)
    {
        var empty = JsonDocument.Parse("{}").RootElement.Clone();
        var runtime = JsonDocument.Parse("""{"engine":"llama.cpp","launcher":"geniehive-node","provider_id":null,"context_size":32768,"max_context_tokens":null}""").RootElement.Clone();
        var hostCount = Math.Max(1, serviceCount / 4);
        var hosts = new List<HostRecord>();
        for (var h = 0; h < hostCount; h++)
        {
            hosts.Add(new HostRecord(Id("host", h), null, "10.0.0.1", empty, empty, empty, empty, "online", Now, null, null, null));
        }

        var services = new List<ServiceRecord>();
        for (var i = 0; i < serviceCount; i++)
        {
            var family = (i % 3) switch { 0 => "qwen3", 1 => "llama", _ => "mistral" };
            var asset = new AssetRecord($"{family}-model-{i / 2}", i % 5 != 0, 32768, null, family, null);
            services.Add(new ServiceRecord(
                $"{Id("host", i % hostCount)}/chat/{i}", Id("host", i % hostCount), Operations.Chat, "openai", $"http://10.0.0.1:{18000 + i}",
                runtime, [asset], new ServiceState("healthy", "loaded", "available", true, false),
                ServiceObserved.Empty with { P50LatencyMs = 100 + (i * 37 % 900), TokensPerSec = 20 }, Now - 3600, Now - 60));
        }

        var roles = new List<RoleRecord>
        {
            Role("general", RoutingPolicy.Default),
            Role("mentor", RoutingPolicy.Default with { PreferredFamilies = ["qwen3", "llama"], RequireLoaded = true, MinContext = 8192 }),
        };
        return RoutingTable.Create(hosts, services, roles, [], new RoutingSettings(30, strategy), 1);
    }

    private static string Id(string prefix, int i) => prefix + "-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static RoleRecord Role(string id, RoutingPolicy policy) =>
        new(id, id, null, Operations.Chat, "text", PromptPolicy.Empty, policy with { FallbackRoles = ImmutableArray<string>.Empty }, Now, Now);
}
