using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>
/// What one discovery run found for one service: reachable or not, the discovered assets (null = nothing
/// discovered, service unchanged) and, for Ollama, the observed loaded count and VRAM.
/// </summary>
internal sealed record DiscoveryOutcome(bool Reachable, string? Error, IReadOnlyList<Asset>? Discovered, long? LoadedModelCount = null,
    long? VramUsedBytes = null)
{
    public static DiscoveryOutcome Failed(string error) => new(false, error, null);
}
