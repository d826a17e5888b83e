using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Api;

/// <summary>
/// The JSON shapes of api.md §4.1 (Host, Service, Role, BenchmarkSample), written with <see cref="Utf8JsonWriter"/>:
/// every key present, null defaults, timestamps as Unix seconds with a fraction. One place for them, reused by
/// the operator API, <c>/v1/models</c>, route resolve/match and the registry's stored JSON columns.
/// </summary>
public static class ClusterJson
{
    /// <summary>An empty JSON object, the default of every object-valued field.</summary>
    public static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static void WriteHost(Utf8JsonWriter writer, HostRecord host, RoutingTable table, double now)
    {
        writer.WriteStartObject();
        writer.WriteString("host_id", host.HostId);
        WriteNullableString(writer, "display_name", host.DisplayName);
        writer.WriteString("address", host.Address);
        WriteObject(writer, "labels", host.Labels);
        WriteObject(writer, "capabilities", host.Capabilities);
        WriteObject(writer, "resources", host.Resources);
        writer.WriteStartObject("status");
        writer.WriteString("state", table.IsStale(host, now) ? "stale" : host.ReportedState);
        writer.WriteString("reported_state", host.ReportedState);
        WriteTimestamp(writer, "last_seen", host.LastSeen);
        writer.WriteEndObject();
        WriteObject(writer, "metrics", host.Metrics);
        writer.WriteEndObject();
    }

    /// <summary>A Service with its <c>live</c> object (gates 2–7 via <see cref="EligibilityGates.CommonFailure(RoutingTable, ServiceRecord, ServiceLiveState?, double)"/>).</summary>
    public static void WriteService(Utf8JsonWriter writer, ServiceRecord service, RoutingTable table, LiveStateStore live, double now)
    {
        writer.WriteStartObject();
        WriteServiceFields(writer, service);
        writer.WritePropertyName("live");
        WriteLive(writer, service, table, live.Find(service.ServiceId), now);
        writer.WriteEndObject();
    }

    /// <summary>The Service fields without the enclosing braces or <c>live</c>.</summary>
    public static void WriteServiceFields(Utf8JsonWriter writer, ServiceRecord service)
    {
        writer.WriteString("service_id", service.ServiceId);
        writer.WriteString("host_id", service.HostId);
        writer.WriteString("kind", service.Kind);
        writer.WriteString("protocol", service.Protocol);
        writer.WriteString("endpoint", service.Endpoint);
        WriteObject(writer, "runtime", service.Runtime);
        writer.WritePropertyName("assets");
        WriteAssets(writer, service.Assets);
        writer.WritePropertyName("state");
        WriteState(writer, service.State);
        writer.WritePropertyName("observed");
        WriteObserved(writer, service.Observed);
        WriteTimestamp(writer, "created_at", service.CreatedAt);
        WriteTimestamp(writer, "updated_at", service.UpdatedAt);
    }

    public static void WriteLive(Utf8JsonWriter writer, ServiceRecord service, RoutingTable table, ServiceLiveState? live, double now)
    {
        var reason = EligibilityGates.CommonFailure(table, service, live, now);
        writer.WriteStartObject();
        writer.WriteBoolean("routable", reason is null);
        WriteNullableString(writer, "reason", reason);
        WriteNullableString(writer, "probe", live?.Probe switch
        {
            ProbeVerdict.Healthy => "healthy",
            ProbeVerdict.Unhealthy => "unhealthy",
            _ => null,
        });
        writer.WriteNumber("in_flight", live?.InFlight ?? 0);
        writer.WriteNumber("consecutive_failures", live?.ConsecutiveFailures ?? 0);
        writer.WriteString("circuit", (live?.Circuit(now) ?? CircuitState.Closed) switch
        {
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            _ => "closed",
        });
        WriteNullableTimestamp(writer, "cooldown_until", live?.CooldownUntil(now));
        writer.WriteEndObject();
    }

    public static void WriteAssets(Utf8JsonWriter writer, IEnumerable<AssetRecord> assets)
    {
        writer.WriteStartArray();
        foreach (var asset in assets)
        {
            writer.WriteStartObject();
            writer.WriteString("asset_id", asset.AssetId);
            writer.WriteBoolean("loaded", asset.Loaded);
            WriteNullableNumber(writer, "context_size", asset.ContextSize);
            WriteNullableNumber(writer, "max_context_tokens", asset.MaxContextTokens);
            WriteNullableString(writer, "family", asset.Family);
            if (asset.RequestPolicy is { } policy)
            {
                writer.WritePropertyName("request_policy");
                WriteRequestPolicy(writer, policy);
            }
            else
            {
                writer.WriteNull("request_policy");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteState(Utf8JsonWriter writer, ServiceState state)
    {
        writer.WriteStartObject();
        WriteNullableString(writer, "health", state.Health);
        WriteNullableString(writer, "load_state", state.LoadState);
        writer.WriteString("availability", state.Availability);
        writer.WriteBoolean("accept_requests", state.AcceptRequests);
        writer.WriteBoolean("allow_employee_direct_requests", state.AllowEmployeeDirectRequests);
        writer.WriteEndObject();
    }

    public static void WriteObserved(Utf8JsonWriter writer, ServiceObserved observed)
    {
        writer.WriteStartObject();
        WriteNullableDouble(writer, "p50_latency_ms", observed.P50LatencyMs);
        WriteNullableDouble(writer, "p95_latency_ms", observed.P95LatencyMs);
        WriteNullableDouble(writer, "tokens_per_sec", observed.TokensPerSec);
        WriteNullableNumber(writer, "queue_depth", observed.QueueDepth);
        WriteNullableNumber(writer, "in_flight", observed.InFlight);
        WriteNullableNumber(writer, "loaded_model_count", observed.LoadedModelCount);
        WriteNullableNumber(writer, "vram_used_bytes", observed.VramUsedBytes);
        WriteNullableNumber(writer, "max_context_tokens", observed.MaxContextTokens);

        // New keys, sent only by managed runtimes: written only when reported, so other services read as before.
        if (observed.MemoryUsedBytes is { } used)
        {
            writer.WriteNumber("memory_used_bytes", used);
        }

        if (observed.MemoryBudgetBytes is { } budget)
        {
            writer.WriteNumber("memory_budget_bytes", budget);
        }

        writer.WriteEndObject();
    }

    /// <summary><c>{body_defaults, system_prompt, system_prompt_position}</c>; absent body defaults are <c>{}</c>.</summary>
    public static void WriteRequestPolicy(Utf8JsonWriter writer, RequestPolicy policy)
    {
        writer.WriteStartObject();
        WriteObject(writer, "body_defaults", policy.BodyDefaults ?? default);
        WriteNullableString(writer, "system_prompt", policy.SystemPrompt);
        writer.WriteString("system_prompt_position", policy.SystemPromptPosition);
        writer.WriteEndObject();
    }

    public static void WriteRole(Utf8JsonWriter writer, RoleRecord role)
    {
        writer.WriteStartObject();
        writer.WriteString("role_id", role.RoleId);
        WriteNullableString(writer, "display_name", role.DisplayName);
        WriteNullableString(writer, "description", role.Description);
        writer.WriteString("operation", role.Operation);
        writer.WriteString("modality", role.Modality);
        writer.WritePropertyName("prompt_policy");
        WritePromptPolicy(writer, role.PromptPolicy);
        writer.WritePropertyName("routing_policy");
        WriteRoutingPolicy(writer, role.RoutingPolicy);
        WriteTimestamp(writer, "created_at", role.CreatedAt);
        WriteTimestamp(writer, "updated_at", role.UpdatedAt);
        writer.WriteEndObject();
    }

    public static void WritePromptPolicy(Utf8JsonWriter writer, PromptPolicy policy)
    {
        writer.WriteStartObject();
        WriteNullableString(writer, "system_prompt", policy.SystemPrompt);
        WriteNullableString(writer, "user_template", policy.UserTemplate);
        writer.WritePropertyName("request_policy");
        WriteRequestPolicy(writer, policy.RequestPolicy);
        writer.WriteEndObject();
    }

    public static void WriteRoutingPolicy(Utf8JsonWriter writer, RoutingPolicy policy)
    {
        writer.WriteStartObject();
        WriteStrings(writer, "preferred_families", policy.PreferredFamilies);
        WriteStrings(writer, "preferred_labels", policy.PreferredLabels);
        WriteNullableNumber(writer, "min_context", policy.MinContext);
        writer.WriteBoolean("require_loaded", policy.RequireLoaded);
        writer.WriteBoolean("allow_employee_devices", policy.AllowEmployeeDevices);
        WriteStrings(writer, "allowed_trust_tiers", policy.AllowedTrustTiers);
        WriteStrings(writer, "denied_trust_tiers", policy.DeniedTrustTiers);
        WriteStrings(writer, "allowed_device_classes", policy.AllowedDeviceClasses);
        WriteStrings(writer, "denied_device_classes", policy.DeniedDeviceClasses);
        WriteStrings(writer, "allowed_workload_classes", policy.AllowedWorkloadClasses);
        WriteStrings(writer, "denied_workload_classes", policy.DeniedWorkloadClasses);
        WriteStrings(writer, "fallback_roles", policy.FallbackRoles);
        writer.WriteString("guardrail_profile", policy.GuardrailProfile);
        writer.WriteString("tool_mode", policy.ToolMode);
        writer.WriteBoolean("force_respond_tool", policy.ForceRespondTool);
        writer.WriteString("context_budget_mode", policy.ContextBudgetMode);
        WriteStrings(writer, "agentic_benchmark_workloads", policy.AgenticBenchmarkWorkloads);
        writer.WriteEndObject();
    }

    public static void WriteSample(Utf8JsonWriter writer, BenchmarkSample sample)
    {
        writer.WriteStartObject();
        writer.WriteString("benchmark_id", sample.BenchmarkId);
        writer.WriteString("service_id", sample.ServiceId);
        WriteNullableString(writer, "asset_id", sample.AssetId);
        writer.WriteString("workload", sample.Workload);
        WriteTimestamp(writer, "observed_at", sample.ObservedAt);
        WriteObject(writer, "results", sample.Results);
        writer.WriteEndObject();
    }

    /// <summary><c>{"object":"list","data":[…]}</c>.</summary>
    public static void WriteList<T>(Utf8JsonWriter writer, IEnumerable<T> items, Action<Utf8JsonWriter, T> writeItem)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var item in items)
        {
            writeItem(writer, item);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Unix seconds as a number that always carries a fraction (api.md §1.1).</summary>
    public static void WriteTimestamp(Utf8JsonWriter writer, string name, double seconds)
    {
        writer.WritePropertyName(name);
        WriteTimestampValue(writer, seconds);
    }

    public static void WriteTimestampValue(Utf8JsonWriter writer, double seconds)
    {
        var text = Math.Round(seconds, 6).ToString("0.0#####", CultureInfo.InvariantCulture);
        writer.WriteRawValue(text, skipInputValidation: true);
    }

    private static void WriteNullableTimestamp(Utf8JsonWriter writer, string name, double? seconds)
    {
        if (seconds is { } value)
        {
            WriteTimestamp(writer, name, value);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>An object-valued field; anything but an object is written as <c>{}</c>.</summary>
    public static void WriteObject(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        if (value.ValueKind == JsonValueKind.Object)
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
    }

    /// <summary>A string array; a default (uninitialised) array is written as <c>[]</c>.</summary>
    public static void WriteStrings(Utf8JsonWriter writer, string name, ImmutableArray<string> values) =>
        WriteStrings(writer, name, values.IsDefault ? [] : (IEnumerable<string>)values);

    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    public static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void WriteNullableNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A number, or null when absent or not finite.</summary>
    public static void WriteNullableDouble(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number && double.IsFinite(number))
        {
            writer.WriteNumber(name, number);
        }
        else
        {
            writer.WriteNull(name);
        }
    }
}
