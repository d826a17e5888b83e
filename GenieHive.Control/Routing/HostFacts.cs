using System.Text.Json;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>Host values routing reads from labels and resources (routing.md "Eligibility gates").</summary>
public static class HostFacts
{
    public static bool IsConfiguredProvider(HostRecord host) =>
        host.Labels.ValueKind == JsonValueKind.Object
        && host.Labels.TryGetProperty("service_origin", out var origin)
        && origin.ValueKind == JsonValueKind.String
        && origin.ValueEquals("external_provider");
}
