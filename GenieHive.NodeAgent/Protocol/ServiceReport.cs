using System.Text.Json.Nodes;

namespace GenieHive.NodeAgent.Protocol;

/// <summary>One service as the agent registers and heartbeats it (api.md §3.1 <c>services[]</c>).</summary>
internal sealed record ServiceReport(
    string ServiceId,
    string HostId,
    string Kind,
    string Protocol,
    string Endpoint,
    JsonObject Runtime,
    IReadOnlyList<Asset> Assets,
    ServiceState State,
    ServiceObserved Observed);
