namespace GenieHive.NodeAgent.Protocol;

/// <summary>A model asset of a service (api.md §3.1 <c>services[].assets[]</c>).</summary>
internal sealed record Asset(
    string AssetId,
    bool Loaded = false,
    int? ContextSize = null,
    int? MaxContextTokens = null,
    string? Family = null,
    RequestPolicy? RequestPolicy = null);
