namespace GenieHive.NodeAgent.Protocol;

/// <summary>A service's <c>state</c> (api.md §3.1).</summary>
internal sealed record ServiceState(
    string? Health,
    string? LoadState,
    string Availability = "available",
    bool AcceptRequests = true,
    bool AllowEmployeeDirectRequests = false);
