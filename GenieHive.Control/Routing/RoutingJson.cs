using System.Text.Json;
using GenieHive.Control.Api;
using GenieHive.Control.Health;

namespace GenieHive.Control.Routing;

/// <summary>
/// The resolve endpoint's own JSON (api.md §4.3): the resolution and the explain object. Service and Role objects
/// come from <see cref="ClusterJson"/>, the one set of api.md §4.1 writers.
/// </summary>
internal static class RoutingJson
{
    /// <summary><c>{"match_type", "role"?, "service", "fallback_via"?}</c> of the resolve endpoint.</summary>
    public static void WriteResolution(Utf8JsonWriter writer, RoutingTable table, RouteResolution resolution, LiveStateStore store, double now)
    {
        writer.WriteStartObject();
        writer.WriteString("match_type", resolution.MatchType);
        if (resolution.Role is not null)
        {
            writer.WritePropertyName("role");
            ClusterJson.WriteRole(writer, resolution.Role);
        }

        writer.WritePropertyName("service");
        if (resolution.Service is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            ClusterJson.WriteService(writer, resolution.Service, table, store, now);
        }

        if (resolution.FallbackVia is not null)
        {
            writer.WriteString("fallback_via", resolution.FallbackVia);
        }

        writer.WriteEndObject();
    }

    /// <summary>The explain object (routing.md "Route headers and explain").</summary>
    public static void WriteExplain(Utf8JsonWriter writer, RouteExplain explain)
    {
        writer.WriteStartObject();
        writer.WriteString("requested", explain.Requested);
        ClusterJson.WriteNullableString(writer, "operation", explain.Operation);
        ClusterJson.WriteNullableString(writer, "route", explain.Route);
        writer.WriteString("strategy", explain.Strategy);
        WriteLevel(writer, explain.Level);
        ClusterJson.WriteStrings(writer, "attempt_order", explain.AttemptOrder);
        writer.WriteEndObject();
    }

    private static void WriteLevel(Utf8JsonWriter writer, ExplainLevel level)
    {
        writer.WriteStartArray("candidates");
        foreach (var candidate in level.Candidates)
        {
            writer.WriteStartObject();
            writer.WriteString("service_id", candidate.Service.ServiceId);
            writer.WriteString("host_id", candidate.Service.HostId);
            writer.WriteBoolean("eligible", candidate.Eligible);
            if (candidate.Eligible)
            {
                writer.WriteNumber("rank", candidate.Rank ?? 0);
                writer.WritePropertyName("key");
                if (candidate.Key is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    candidate.Key.WriteTo(writer);
                }
            }
            else
            {
                writer.WriteString("excluded_by", candidate.ExcludedBy);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("fallbacks");
        foreach (var fallback in level.Fallbacks)
        {
            writer.WriteStartObject();
            writer.WriteString("role_id", fallback.RoleId);
            writer.WriteString("outcome", fallback.Outcome);
            ClusterJson.WriteNullableString(writer, "reason", fallback.Reason);
            if (fallback.Level is not null)
            {
                WriteLevel(writer, fallback.Level);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
