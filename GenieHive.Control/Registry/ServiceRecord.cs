using System.Collections.Immutable;
using System.Text.Json;

namespace GenieHive.Control.Registry;

/// <summary>A model service owned by a host (api.md §3.1, §4.1). Immutable; part of a snapshot.</summary>
/// <param name="Kind">Operation: <c>chat</c>, <c>embeddings</c> or <c>transcription</c> (see <see cref="Operations"/>).</param>
/// <param name="Endpoint">Absolute http(s) URL of the server root, no trailing <c>/</c>.</param>
/// <param name="Runtime">JSON object of scalars; <c>engine</c>, <c>launcher</c>, <c>provider_id</c>, <c>context_size</c>,
/// <c>max_context_tokens</c> always present (null when absent).</param>
/// <param name="CreatedAt">Unix seconds of first registration (D12).</param>
public sealed record ServiceRecord(
    string ServiceId,
    string HostId,
    string Kind,
    string Protocol,
    string Endpoint,
    JsonElement Runtime,
    ImmutableArray<AssetRecord> Assets,
    ServiceState State,
    ServiceObserved Observed,
    double CreatedAt,
    double UpdatedAt)
{
    /// <summary><c>loaded(S)</c>: some asset is loaded.</summary>
    public bool IsLoaded
    {
        get
        {
            foreach (var asset in Assets)
            {
                if (asset.Loaded)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public int LoadedAssetCount
    {
        get
        {
            var count = 0;
            foreach (var asset in Assets)
            {
                if (asset.Loaded)
                {
                    count++;
                }
            }

            return count;
        }
    }
}

/// <param name="RequestPolicy">The asset's own request policy (D14), or null.</param>
public sealed record AssetRecord(
    string AssetId,
    bool Loaded,
    long? ContextSize,
    long? MaxContextTokens,
    string? Family,
    RequestPolicy? RequestPolicy);

/// <param name="Health">Only <c>"healthy"</c> routes (gate 4).</param>
/// <param name="Availability"><c>available</c>|<c>busy</c>|<c>draining</c>|<c>paused_by_user</c>|<c>offline</c>|<c>quarantined</c>.</param>
public sealed record ServiceState(
    string? Health,
    string? LoadState,
    string Availability,
    bool AcceptRequests,
    bool AllowEmployeeDirectRequests)
{
    public static ServiceState Default { get; } = new(null, null, "available", true, false);
}

/// <summary>Node-reported observations; every value nullable.</summary>
/// <param name="MemoryUsedBytes">New key (docs/runtimes.md "Memory budget"): what the node's managed models of this
/// service's device hold now.</param>
/// <param name="MemoryBudgetBytes">New key: that device's budget on the node, null when not budgeted.</param>
public sealed record ServiceObserved(
    double? P50LatencyMs,
    double? P95LatencyMs,
    double? TokensPerSec,
    long? QueueDepth,
    long? InFlight,
    long? LoadedModelCount,
    long? VramUsedBytes,
    long? MaxContextTokens,
    long? MemoryUsedBytes = null,
    long? MemoryBudgetBytes = null)
{
    public static ServiceObserved Empty { get; } = new(null, null, null, null, null, null, null, null);
}

/// <summary>Request policy shape (config.md §3.2): <c>{body_defaults, system_prompt, system_prompt_position}</c>.</summary>
/// <param name="BodyDefaults">JSON object, or null when empty/absent.</param>
/// <param name="SystemPromptPosition"><c>prepend</c> (default), <c>append</c> or <c>replace</c>.</param>
public sealed record RequestPolicy(JsonElement? BodyDefaults, string? SystemPrompt, string SystemPromptPosition = "prepend")
{
    public static RequestPolicy Empty { get; } = new(null, null);

    public bool IsEmpty => BodyDefaults is null && string.IsNullOrEmpty(SystemPrompt);
}

public static class Operations
{
    public const string Chat = "chat";
    public const string Embeddings = "embeddings";
    public const string Transcription = "transcription";

    public static bool IsKnown(string? value) => value is Chat or Embeddings or Transcription;
}
