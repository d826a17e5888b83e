using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// The eligibility gates every route shares (routing.md gates 2–7), as one pure function of a snapshot, a
/// service, its live state and the time. <see cref="FirstFailure(RoutingTable, ServiceRecord, ServiceLiveState?, double)"/>
/// returns the explain code of the first failing gate, or null when the service passes all of them: that is
/// <c>live.routable</c>/<c>live.reason</c> of the operator API, and the shared prefix of the direct and role
/// gates of route resolution. Gate 6 is evaluated in <c>peek</c> mode (<see cref="ServiceLiveState.Check"/>): it
/// never takes a half-open trial slot. Thread-safe; allocation-free except gate 7 for hosts with allowed families.
/// </summary>
public static class CommonGates
{
    public const string HostStale = "host_stale";
    public const string HostOffline = "host_offline";
    public const string NotAcceptingRequests = "not_accepting_requests";
    public const string Unhealthy = "unhealthy";
    public const string ProbeFailed = "probe_failed";
    public const string Unavailable = "unavailable";
    public const string CoolingDown = "cooling_down";
    public const string TrialInFlight = "trial_in_flight";
    public const string HostModelFamilyPolicy = "host_model_family_policy";

    /// <summary>Gates 2–7 for <paramref name="service"/>, live state looked up in <paramref name="live"/> (not created).</summary>
    /// <param name="now">Unix seconds from the injected <see cref="TimeProvider"/>.</param>
    public static string? FirstFailure(RoutingTable table, ServiceRecord service, LiveStateStore live, double now) =>
        FirstFailure(table, service, live.Find(service.ServiceId), now);

    /// <summary>Gates 2–7; <paramref name="live"/> null = no live state yet (passes gate 6, no probe verdict).</summary>
    public static string? FirstFailure(RoutingTable table, ServiceRecord service, ServiceLiveState? live, double now)
    {
        if (!table.HostsById.TryGetValue(service.HostId, out var host))
        {
            return HostStale;
        }

        return HostGate(table, host, now)
            ?? ServiceGate(service, live, now)
            ?? FamilyGate(host, service);
    }

    /// <summary>Gate 2: host fresh (D6) and its reported state not <c>offline</c>/<c>draining</c> (D18).</summary>
    public static string? HostGate(RoutingTable table, HostRecord host, double now)
    {
        if (table.IsStale(host, now))
        {
            return HostStale;
        }

        return host.ReportedState is "offline" or "draining" ? HostOffline : null;
    }

    /// <summary>Gates 3–6.</summary>
    public static string? ServiceGate(ServiceRecord service, ServiceLiveState? live, double now)
    {
        var state = service.State;
        if (!state.AcceptRequests)
        {
            return NotAcceptingRequests;
        }

        if (!string.Equals(state.Health, "healthy", StringComparison.Ordinal))
        {
            return Unhealthy;
        }

        if (live?.Probe == ProbeVerdict.Unhealthy)
        {
            return ProbeFailed;
        }

        if (state.Availability is "draining" or "paused_by_user" or "offline" or "quarantined")
        {
            return Unavailable;
        }

        return live?.Check(now) switch
        {
            PassiveGate.CoolingDown => CoolingDown,
            PassiveGate.TrialInFlight => TrialInFlight,
            _ => null,
        };
    }

    /// <summary>Gate 7: the host's allowed model families empty, or one is a substring of <see cref="ServiceText"/>.</summary>
    public static string? FamilyGate(HostRecord host, ServiceRecord service)
    {
        var families = AllowedModelFamilies(host);
        if (families.IsEmpty)
        {
            return null;
        }

        var text = ServiceText(service);
        foreach (var family in families)
        {
            if (text.Contains(family, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return HostModelFamilyPolicy;
    }

    /// <summary>
    /// <c>contribution_policy.allowed_model_families</c>, else <c>resources.allowed_model_families</c>: trimmed,
    /// lower-cased, empties dropped.
    /// </summary>
    public static ImmutableArray<string> AllowedModelFamilies(HostRecord host)
    {
        if (host.Resources.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        if (host.Resources.TryGetProperty("contribution_policy", out var policy)
            && policy.ValueKind == JsonValueKind.Object
            && policy.TryGetProperty("allowed_model_families", out var fromPolicy)
            && Normalized(fromPolicy) is { IsEmpty: false } list)
        {
            return list;
        }

        return host.Resources.TryGetProperty("allowed_model_families", out var fromResources) ? Normalized(fromResources) : [];
    }

    /// <summary>
    /// <c>text(S)</c>: <c>service_id</c>, asset ids, asset families and the non-empty, non-false, non-zero
    /// <c>runtime</c> values (invariant culture), space-joined, lower-cased.
    /// </summary>
    public static string ServiceText(ServiceRecord service)
    {
        var text = new StringBuilder(service.ServiceId);
        foreach (var asset in service.Assets)
        {
            text.Append(' ').Append(asset.AssetId);
            if (!string.IsNullOrEmpty(asset.Family))
            {
                text.Append(' ').Append(asset.Family);
            }
        }

        if (service.Runtime.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in service.Runtime.EnumerateObject())
            {
                var value = property.Value;
                var piece = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.True => "true",
                    JsonValueKind.Number when value.TryGetDouble(out var d) && d != 0 => d.ToString(CultureInfo.InvariantCulture),
                    _ => null,
                };
                if (!string.IsNullOrEmpty(piece))
                {
                    text.Append(' ').Append(piece);
                }
            }
        }

        return text.ToString().ToLowerInvariant();
    }

    private static ImmutableArray<string> Normalized(JsonElement value)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString()!.Trim() is { Length: > 0 } s)
                {
                    builder.Add(s.ToLowerInvariant());
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.String && value.GetString()!.Trim() is { Length: > 0 } single)
        {
            builder.Add(single.ToLowerInvariant());
        }

        return builder.ToImmutable();
    }
}
