namespace GenieHive.NodeAgent.Configuration;

/// <summary><c>node:</c> (config.md §2.1). <see cref="Address"/> is null when the YAML gives none.</summary>
internal sealed record NodeIdentityConfig(
    string HostId,
    string? DisplayName,
    string ListenHost,
    int ListenPort,
    string? Address,
    IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The registered address: <c>address</c>, else <c>listen_host</c>.</summary>
    public string EffectiveAddress => Address ?? ListenHost;
}
