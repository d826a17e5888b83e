using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Protocol;

/// <summary><c>POST /v1/nodes/heartbeat</c> (api.md §3.2): <c>services</c> always (D17), <c>resources</c> when changed.</summary>
internal sealed record HeartbeatPayload(
    string HostId,
    string InstanceId,
    HeartbeatStatus Status,
    HeartbeatMetrics Metrics,
    IReadOnlyList<ServiceReport> Services,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HostResources? Resources);

internal sealed record HeartbeatStatus(string State, double LastSeen);

internal sealed record HeartbeatMetrics(int ServiceCount, int HealthyServiceCount, int DiscoveredModelCount);
