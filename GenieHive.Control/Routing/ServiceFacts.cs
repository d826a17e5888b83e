using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// What routing derives from one service and its host, computed once per snapshot (routing.md "Eligibility gates":
/// host trust tier, device class, workload classes, allowed families, <c>text(S)</c>, <c>maxctx(S)</c>, <c>g(S)</c>),
/// so resolving a request reads fields instead of walking JSON.
/// </summary>
internal sealed class ServiceFacts
{
    private static readonly string[] EmployeeTiers = ["employee_device", "personal_device"];

    private ServiceFacts(ServiceRecord service, HostRecord? host, int index)
    {
        Service = service;
        Host = host;
        Index = index;
        HostIsProvider = host is not null && HostFacts.IsConfiguredProvider(host);
        HostReportedOffline = host is not null && host.ReportedState is "offline" or "draining";
        var resources = host?.Resources ?? default;
        var labels = host?.Labels ?? default;
        var contribution = Member(resources, "contribution_policy");
        TrustTier = FirstText(labels, resources, contribution, "trust_tier");
        DeviceClass = FirstText(labels, resources, contribution, "device_class");
        WorkloadClasses = FirstList(Member(contribution, "workload_classes"), Member(resources, "workload_classes"), Member(labels, "workload_class"));
        AllowedFamilies = FirstList(Member(contribution, "allowed_model_families"), Member(resources, "allowed_model_families"), default);
        IsEmployeeTier = TrustTier is not null && Array.IndexOf(EmployeeTiers, TrustTier) >= 0;
        Loaded = service.IsLoaded;
        P50 = service.Observed.P50LatencyMs;
        Text = BuildText(service);
        GuardrailText = JoinLower(service.ServiceId, service.Protocol, RuntimeString(service.Runtime, "engine"), RuntimeString(service.Runtime, "launcher"), service.Endpoint);
        FamilyText = BuildFamilyText(service, includeFamilies: true);
        AssetIdsText = BuildFamilyText(service, includeFamilies: false);
        MaxContext = ComputeMaxContext(service);
        StreamUsageDisabled = service.Runtime.ValueKind == JsonValueKind.Object
            && service.Runtime.TryGetProperty("stream_usage", out var su) && su.ValueKind == JsonValueKind.False;
    }

    public ServiceRecord Service { get; }

    /// <summary>The owning host, or null when the snapshot lacks it (treated as stale).</summary>
    public HostRecord? Host { get; }

    /// <summary>Position in <see cref="RoutingTable.Services"/> (the round-robin base order).</summary>
    public int Index { get; }

    public bool HostIsProvider { get; }

    /// <summary>The host reported <c>offline</c> or <c>draining</c> (gate 2, D18).</summary>
    public bool HostReportedOffline { get; }

    /// <summary>Lower-cased, or null when unset.</summary>
    public string? TrustTier { get; }

    /// <summary>Lower-cased, or null when unset.</summary>
    public string? DeviceClass { get; }

    public ImmutableArray<string> WorkloadClasses { get; }

    public ImmutableArray<string> AllowedFamilies { get; }

    public bool IsEmployeeTier { get; }

    public bool Loaded { get; }

    public double? P50 { get; }

    /// <summary><c>text(S)</c>: service id, asset ids, families and truthy runtime values, lower-cased.</summary>
    public string Text { get; }

    /// <summary><c>g(S)</c>: service id, protocol, engine, launcher, endpoint, lower-cased.</summary>
    public string GuardrailText { get; }

    /// <summary>Asset ids and asset families, lower-cased (preferred-family rank, step 6).</summary>
    public string FamilyText { get; }

    /// <summary>Asset ids only, lower-cased (route match family term).</summary>
    public string AssetIdsText { get; }

    /// <summary><c>maxctx(S)</c>, or null when unknown.</summary>
    public long? MaxContext { get; }

    /// <summary><c>runtime.stream_usage: false</c> (request policy step 7).</summary>
    public bool StreamUsageDisabled { get; }

    public string HostId => Service.HostId;

    public static ServiceFacts Create(ServiceRecord service, HostRecord? host, int index) => new(service, host, index);

    /// <summary>Gate 2 freshness at <paramref name="now"/> (D6).</summary>
    public bool IsStale(double now, double staleAfterSeconds) =>
        Host is null || (!HostIsProvider && now - Host.LastSeen > staleAfterSeconds);

    /// <summary>Scored key G (routing.md "Candidate scoring").</summary>
    public int GuardrailMatch(string guardrailProfile) => guardrailProfile switch
    {
        "native_light" => Service.Protocol == "openai" ? 1 : 0,
        "forge_proxy" => GuardrailText.Contains("forge", StringComparison.Ordinal) ? 1 : 0,
        "forge_middleware" => GuardrailText.Contains("forge", StringComparison.Ordinal)
            || GuardrailText.Contains("guardrail", StringComparison.Ordinal) ? 1 : 0,
        _ => 0,
    };

    /// <summary><c>rank(S)</c> of step 6: <c>|P| − i</c> for the first preferred family found, else 0.</summary>
    public int FamilyRank(ImmutableArray<string> preferredFamilies)
    {
        for (var i = 0; i < preferredFamilies.Length; i++)
        {
            var family = preferredFamilies[i];
            if (family.Length > 0 && FamilyText.Contains(family, StringComparison.Ordinal))
            {
                return preferredFamilies.Length - i;
            }
        }

        return 0;
    }

    internal static string? RuntimeString(JsonElement runtime, string key) =>
        runtime.ValueKind == JsonValueKind.Object && runtime.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : null;

    private static JsonElement Member(JsonElement obj, string key) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(key, out var value) ? value : default;

    private static string? Normalize(JsonElement value)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        text = text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text.ToLowerInvariant();
    }

    private static string? FirstText(JsonElement labels, JsonElement resources, JsonElement contribution, string key) =>
        Normalize(Member(labels, key)) ?? Normalize(Member(resources, key)) ?? Normalize(Member(contribution, key));

    private static ImmutableArray<string> FirstList(JsonElement first, JsonElement second, JsonElement third)
    {
        foreach (var candidate in (ReadOnlySpan<JsonElement>)[first, second, third])
        {
            var list = ReadList(candidate);
            if (!list.IsEmpty)
            {
                return list;
            }
        }

        return [];
    }

    private static ImmutableArray<string> ReadList(JsonElement value)
    {
        var builder = ImmutableArray.CreateBuilder<string>();
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (Normalize(item) is { } text)
                {
                    builder.Add(text);
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            foreach (var part in (value.GetString() ?? "").Split(','))
            {
                var text = part.Trim();
                if (text.Length > 0)
                {
                    builder.Add(text.ToLowerInvariant());
                }
            }
        }

        return builder.ToImmutable();
    }

    private static string JoinLower(params ReadOnlySpan<string?> parts)
    {
        var sb = new StringBuilder();
        foreach (var part in parts)
        {
            if (!string.IsNullOrEmpty(part))
            {
                if (sb.Length > 0)
                {
                    sb.Append(' ');
                }

                sb.Append(part);
            }
        }

        return sb.ToString().ToLowerInvariant();
    }

    private static string BuildText(ServiceRecord service)
    {
        var parts = new List<string?> { service.ServiceId };
        foreach (var asset in service.Assets)
        {
            parts.Add(asset.AssetId);
        }

        foreach (var asset in service.Assets)
        {
            parts.Add(asset.Family);
        }

        if (service.Runtime.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in service.Runtime.EnumerateObject())
            {
                parts.Add(RuntimeText(property.Value));
            }
        }

        return JoinLower([.. parts]);
    }

    /// <summary>A runtime value as text when it is non-empty, non-false and non-zero; else null.</summary>
    internal static string? RuntimeText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
        JsonValueKind.True => "true",
        JsonValueKind.Number => value.TryGetDouble(out var d) && d == 0 ? null : value.GetRawText(),
        _ => null,
    };

    private static string BuildFamilyText(ServiceRecord service, bool includeFamilies)
    {
        var parts = new List<string?>();
        foreach (var asset in service.Assets)
        {
            parts.Add(asset.AssetId);
        }

        if (includeFamilies)
        {
            foreach (var asset in service.Assets)
            {
                parts.Add(asset.Family);
            }
        }

        return JoinLower([.. parts]);
    }

    private static long? ComputeMaxContext(ServiceRecord service)
    {
        long? max = null;
        void Consider(long? value)
        {
            if (value is { } v && (max is null || v > max))
            {
                max = v;
            }
        }

        foreach (var key in (ReadOnlySpan<string>)["context_size", "max_context", "max_context_tokens"])
        {
            Consider(ReadInteger(service.Runtime, key));
        }

        Consider(service.Observed.MaxContextTokens);
        foreach (var asset in service.Assets)
        {
            Consider(asset.ContextSize);
            Consider(asset.MaxContextTokens);
        }

        return max;
    }

    private static long? ReadInteger(JsonElement obj, string key)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(key, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n))
        {
            return n;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s && IsAllDigits(s)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        return null;
    }

    private static bool IsAllDigits(string s)
    {
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
