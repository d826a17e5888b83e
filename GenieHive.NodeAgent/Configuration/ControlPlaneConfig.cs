namespace GenieHive.NodeAgent.Configuration;

/// <summary><c>control_plane:</c> (config.md §2.1); intervals in seconds, the heartbeat already clamped to ≥ 0.1.</summary>
internal sealed record ControlPlaneConfig(string? BaseUrl, string? NodeApiKey, double HeartbeatIntervalS, double DiscoveryIntervalS);
