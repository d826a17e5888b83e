using System.Collections.Immutable;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// The eligibility gates of routing.md, split into what a snapshot fixes (evaluated once per snapshot by
/// <see cref="RouteIndex"/>) and what changes with the clock and live state (evaluated per request). The
/// full ordered evaluation (<see cref="FirstFailure"/>) gives explain's reason: the first failing gate.
/// </summary>
internal static class EligibilityGates
{
    private static readonly string[] BlockedAvailability = ["draining", "paused_by_user", "offline", "quarantined"];

    /// <summary>
    /// The first failing gate in table order, or null when <paramref name="facts"/> passes every gate that applies:
    /// role gates (1–7, 9–12) when <paramref name="role"/> is set, else direct gates (1 only with <paramref name="op"/>, 2–8).
    /// <paramref name="checkPassive"/> false skips gate 6 (the <c>/v1/models</c> listing keeps cooling services).
    /// </summary>
    public static string? FirstFailure(
        ServiceFacts facts, RoleRecord? role, string? op, double now, double staleAfter, ServiceLiveState? live, bool checkPassive)
    {
        var service = facts.Service;
        if (op is not null && service.Kind != op)
        {
            return GateCodes.KindMismatch;
        }

        if (facts.IsStale(now, staleAfter))
        {
            return GateCodes.HostStale;
        }

        return StateFailure(facts, live, includeHostOffline: true)
            ?? (checkPassive ? PassiveFailure(live, now) : null)
            ?? (role is null ? DirectPolicyFailure(facts) : RolePolicyFailure(facts, role));
    }

    /// <summary>Gates 2 (reported state only), 3, 4 (node verdict, and probe when <paramref name="live"/> is given), 5.</summary>
    public static string? StateFailure(ServiceFacts facts, ServiceLiveState? live, bool includeHostOffline)
    {
        if (includeHostOffline && facts.HostReportedOffline)
        {
            return GateCodes.HostOffline;
        }

        var state = facts.Service.State;
        if (!state.AcceptRequests)
        {
            return GateCodes.NotAcceptingRequests;
        }

        if (state.Health != "healthy")
        {
            return GateCodes.Unhealthy;
        }

        if (live is not null && live.Probe == ProbeVerdict.Unhealthy)
        {
            return GateCodes.ProbeFailed;
        }

        if (Array.IndexOf(BlockedAvailability, state.Availability) >= 0)
        {
            return GateCodes.Unavailable;
        }

        return null;
    }

    /// <summary>Gate 6 in peek form: never takes the half-open trial slot.</summary>
    public static string? PassiveFailure(ServiceLiveState? live, double now) => live?.Check(now) switch
    {
        PassiveGate.CoolingDown => GateCodes.CoolingDown,
        PassiveGate.TrialInFlight => GateCodes.TrialInFlight,
        _ => null,
    };

    /// <summary>Gates 7 and 8.</summary>
    public static string? DirectPolicyFailure(ServiceFacts facts)
    {
        if (!HostFamiliesAllow(facts))
        {
            return GateCodes.HostModelFamilyPolicy;
        }

        if (facts.IsEmployeeTier && !facts.Service.State.AllowEmployeeDirectRequests)
        {
            return GateCodes.EmployeeDirectNotAllowed;
        }

        return null;
    }

    /// <summary>Gates 7 and 9–12.</summary>
    public static string? RolePolicyFailure(ServiceFacts facts, RoleRecord role)
    {
        if (!HostFamiliesAllow(facts))
        {
            return GateCodes.HostModelFamilyPolicy;
        }

        var policy = role.RoutingPolicy;
        var tier = facts.TrustTier;
        if (tier is not null && Contains(policy.DeniedTrustTiers, tier))
        {
            return GateCodes.TrustTierDenied;
        }

        if (!policy.AllowedTrustTiers.IsDefaultOrEmpty && (tier is null || !Contains(policy.AllowedTrustTiers, tier)))
        {
            return GateCodes.TrustTierNotAllowed;
        }

        if (facts.IsEmployeeTier && !policy.AllowEmployeeDevices && !Contains(policy.AllowedTrustTiers, tier!))
        {
            return GateCodes.EmployeeDeviceNotOptedIn;
        }

        var deviceClass = facts.DeviceClass;
        if (deviceClass is not null && Contains(policy.DeniedDeviceClasses, deviceClass))
        {
            return GateCodes.DeviceClassDenied;
        }

        if (!policy.AllowedDeviceClasses.IsDefaultOrEmpty && (deviceClass is null || !Contains(policy.AllowedDeviceClasses, deviceClass)))
        {
            return GateCodes.DeviceClassNotAllowed;
        }

        if (Intersects(facts.WorkloadClasses, policy.DeniedWorkloadClasses))
        {
            return GateCodes.WorkloadClassDenied;
        }

        if (!policy.AllowedWorkloadClasses.IsDefaultOrEmpty && !Intersects(facts.WorkloadClasses, policy.AllowedWorkloadClasses))
        {
            return GateCodes.WorkloadClassNotAllowed;
        }

        if (policy.MinContext is { } min && facts.MaxContext is { } max && max < min)
        {
            return GateCodes.ContextTooSmall;
        }

        return null;
    }

    private static bool HostFamiliesAllow(ServiceFacts facts)
    {
        if (facts.AllowedFamilies.IsDefaultOrEmpty)
        {
            return true;
        }

        foreach (var family in facts.AllowedFamilies)
        {
            if (facts.Text.Contains(family, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Contains(ImmutableArray<string> list, string value)
    {
        if (list.IsDefault)
        {
            return false;
        }

        foreach (var item in list)
        {
            if (string.Equals(item, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Intersects(ImmutableArray<string> left, ImmutableArray<string> right)
    {
        if (left.IsDefaultOrEmpty || right.IsDefaultOrEmpty)
        {
            return false;
        }

        foreach (var item in left)
        {
            if (Contains(right, item))
            {
                return true;
            }
        }

        return false;
    }
}
