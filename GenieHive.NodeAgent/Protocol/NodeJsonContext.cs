using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Protocol;

/// <summary>The agent's source-generated JSON: snake_case, compact, non-ASCII unescaped (api.md §1.1).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(RegistrationPayload))]
[JsonSerializable(typeof(HeartbeatPayload))]
[JsonSerializable(typeof(HostResources))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(RefreshResponse))]
[JsonSerializable(typeof(SimulatedServiceResponse))]
[JsonSerializable(typeof(TraceListResponse))]
[JsonSerializable(typeof(AssetLoadResponse))]
[JsonSerializable(typeof(OllamaModelList))]
[JsonSerializable(typeof(OllamaShow))]
[JsonSerializable(typeof(OllamaShowRequest))]
[JsonSerializable(typeof(OpenAiModelList))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class NodeJsonContext : JsonSerializerContext
{
    /// <summary>The context with the relaxed encoder (attribute options cannot carry an encoder).</summary>
    public static NodeJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
