using System.Text.Json.Nodes;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>A <c>services[]</c> entry (config.md §2.3): a server next to the agent, registered, not started.</summary>
internal sealed record ServiceConfig(
    string ServiceId,
    string Kind,
    string Protocol,
    string Endpoint,
    bool EndpointConfigured,
    JsonObject Runtime,
    IReadOnlyList<Asset> Assets,
    ServiceState State,
    ServiceObserved Observed,
    string? DiscoverProtocol,
    bool HealthCheck);
