using System.Text.Json.Nodes;

namespace GenieHive.NodeAgent.Protocol;

/// <summary><c>POST /v1/nodes/register</c> (api.md §3.1); also the body of the agent's inventory routes.</summary>
internal sealed record RegistrationPayload(
    string HostId,
    string? DisplayName,
    string Address,
    string? AgentUrl,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, bool> Capabilities,
    HostResources Resources,
    string InstanceId,
    IReadOnlyList<ServiceReport> Services);
