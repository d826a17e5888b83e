using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary>A <c>providers[]</c> entry (config.md §1.2, security.md §12).</summary>
public sealed record ProviderConfig(
    string ProviderId,
    string ProviderKind,
    string BaseUrl,
    string? ApiKeyEnv,
    ImmutableDictionary<string, string> DefaultHeaders,
    string Operation,
    ImmutableArray<string> Models,
    bool Enabled);
