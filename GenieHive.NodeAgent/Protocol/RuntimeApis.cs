using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Protocol;

/// <summary>Ollama <c>GET /api/tags</c> and <c>GET /api/ps</c>: <c>{"models":[…]}</c>.</summary>
internal sealed record OllamaModelList(IReadOnlyList<OllamaModel>? Models);

internal sealed record OllamaModel(
    string? Name,
    string? Model,
    string? Digest,
    long? SizeVram,
    [property: JsonPropertyName("size_in_vram")] long? SizeInVram);

/// <summary>Ollama <c>POST /api/show</c>: only <c>capabilities</c> is read.</summary>
internal sealed record OllamaShow(IReadOnlyList<string>? Capabilities);

internal sealed record OllamaShowRequest(string Model);

/// <summary>OpenAI <c>GET /v1/models</c>: <c>{"data":[{"id":…}]}</c>.</summary>
internal sealed record OpenAiModelList(IReadOnlyList<OpenAiModel>? Data);

internal sealed record OpenAiModel(string? Id);

/// <summary><c>POST /v1/node/assets/{asset_id}/load|unload</c> (N3): <c>{"status":"ok","asset_id":…,"loaded":…}</c>.</summary>
internal sealed record AssetLoadResponse(string Status, string AssetId, bool Loaded);
