namespace GenieHive.NodeAgent.Protocol;

/// <summary><c>POST /v1/node/services/refresh</c> (api.md §5).</summary>
internal sealed record RefreshResponse(string Status, string HostId, IReadOnlyList<ServiceReport> Services, HeartbeatOutcome Heartbeat);

/// <summary>What a pushed heartbeat achieved: <c>sent</c>, the control plane's status code, or why not.</summary>
internal sealed record HeartbeatOutcome(bool Sent, int? StatusCode, string? Error);

/// <summary><c>POST /v1/node/simulated/{id}/kill|revive</c>: <c>{"status":"ok","service":…}</c>.</summary>
internal sealed record SimulatedServiceResponse(string Status, ServiceReport Service);

/// <summary><c>GET /v1/node/simulated/{id}/traces</c>: the last trace ids seen, oldest first.</summary>
internal sealed record TraceListResponse(string Object, IReadOnlyList<string> Data);
