namespace GenieHive.Control.Routing;

/// <summary>Explain codes of routing.md "Eligibility gates" and steps 5–6.</summary>
public static class GateCodes
{
    public const string KindMismatch = "kind_mismatch";
    public const string HostStale = "host_stale";
    public const string HostOffline = "host_offline";
    public const string NotAcceptingRequests = "not_accepting_requests";
    public const string Unhealthy = "unhealthy";
    public const string ProbeFailed = "probe_failed";
    public const string Unavailable = "unavailable";
    public const string CoolingDown = "cooling_down";
    public const string TrialInFlight = "trial_in_flight";
    public const string HostModelFamilyPolicy = "host_model_family_policy";
    public const string EmployeeDirectNotAllowed = "employee_direct_not_allowed";
    public const string TrustTierDenied = "trust_tier_denied";
    public const string TrustTierNotAllowed = "trust_tier_not_allowed";
    public const string EmployeeDeviceNotOptedIn = "employee_device_not_opted_in";
    public const string DeviceClassDenied = "device_class_denied";
    public const string DeviceClassNotAllowed = "device_class_not_allowed";
    public const string WorkloadClassDenied = "workload_class_denied";
    public const string WorkloadClassNotAllowed = "workload_class_not_allowed";
    public const string ContextTooSmall = "context_too_small";
    public const string NotLoaded = "not_loaded";
    public const string LowerPreferredFamily = "lower_preferred_family";

    /// <summary>Gates 2–6 clear by themselves; a known id blocked only by them is 503, not 404.</summary>
    public static bool IsTransient(string code) => code is HostStale or HostOffline or NotAcceptingRequests
        or Unhealthy or ProbeFailed or Unavailable or CoolingDown or TrialInFlight;
}
