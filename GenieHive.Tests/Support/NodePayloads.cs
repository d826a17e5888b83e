using System.Text.Json.Nodes;

namespace GenieHive.Tests.Support;

/// <summary>Node-protocol bodies in the api.md §3 shapes, for tests to adjust.</summary>
internal static class NodePayloads
{
    public static JsonObject Service(string serviceId, string endpoint = "http://127.0.0.1:18091", string health = "healthy", string kind = "chat") =>
        new()
        {
            ["service_id"] = serviceId,
            ["host_id"] = "ignored",
            ["kind"] = kind,
            ["protocol"] = "openai",
            ["endpoint"] = endpoint + "/",
            ["runtime"] = new JsonObject { ["engine"] = "llama.cpp", ["context_size"] = "32768", ["device"] = "gpu0" },
            ["assets"] = new JsonArray(new JsonObject { ["asset_id"] = serviceId + "-asset", ["loaded"] = true }),
            ["state"] = new JsonObject { ["health"] = health, ["availability"] = "available" },
            ["observed"] = new JsonObject { ["p50_latency_ms"] = 900.0 },
        };

    public static JsonObject Registration(string hostId, params JsonObject[] services) =>
        new()
        {
            ["host_id"] = hostId,
            ["display_name"] = $"{hostId} box",
            ["address"] = "10.0.0.5",
            ["labels"] = new JsonObject { ["site"] = "lab" },
            ["capabilities"] = new JsonObject { ["cuda"] = true },
            ["resources"] = new JsonObject { ["cpu_threads"] = 24, ["ram_gb"] = 128 },
            ["services"] = new JsonArray([.. services]),
        };

    public static JsonObject Heartbeat(string hostId, string state = "online") =>
        new()
        {
            ["host_id"] = hostId,
            ["status"] = new JsonObject { ["state"] = state, ["last_seen"] = "2025-06-15T10:00:00Z" },
            ["metrics"] = new JsonObject { ["service_count"] = 1 },
        };
}
