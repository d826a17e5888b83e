using System.Buffers;
using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// JSON writers for the routing endpoints: Service and Role objects (api.md §4.1), the explain object and helpers.
/// The Service and Role writers are routing's own minimal versions until the operator API's shared writers
/// (<c>Api/ClusterJson.cs</c>) land; the shapes follow api.md §4.1 so the swap changes no output.
/// </summary>
internal static class RoutingJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a JSON body with the writer options of api.md §1.1 (compact, non-ASCII unescaped).</summary>
    public static IResult Result(Action<Utf8JsonWriter> write, int status = 200)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return TypedResults.Bytes(buffer.WrittenMemory.ToArray(), "application/json; charset=utf-8").WithStatus(status);
    }

    private static IResult WithStatus(this IResult result, int status) =>
        status == 200 ? result : new StatusResult(result, status);

    public static void WriteNullableNumber(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void WriteNullableNumber(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
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

    public static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    public static void WriteElement(Utf8JsonWriter writer, string name, JsonElement element)
    {
        writer.WritePropertyName(name);
        if (element.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            element.WriteTo(writer);
        }
    }

    public static void WriteAssets(Utf8JsonWriter writer, ImmutableArray<AssetRecord> assets)
    {
        writer.WriteStartArray("assets");
        foreach (var asset in assets)
        {
            writer.WriteStartObject();
            writer.WriteString("asset_id", asset.AssetId);
            writer.WriteBoolean("loaded", asset.Loaded);
            WriteNullableNumber(writer, "context_size", asset.ContextSize);
            WriteNullableNumber(writer, "max_context_tokens", asset.MaxContextTokens);
            WriteNullableString(writer, "family", asset.Family);
            writer.WritePropertyName("request_policy");
            if (asset.RequestPolicy is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                WriteRequestPolicy(writer, asset.RequestPolicy);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    public static void WriteRequestPolicy(Utf8JsonWriter writer, RequestPolicy policy)
    {
        writer.WriteStartObject();
        if (policy.BodyDefaults is { } defaults)
        {
            WriteElement(writer, "body_defaults", defaults);
        }
        else
        {
            writer.WriteStartObject("body_defaults");
            writer.WriteEndObject();
        }

        WriteNullableString(writer, "system_prompt", policy.SystemPrompt);
        writer.WriteString("system_prompt_position", policy.SystemPromptPosition);
        writer.WriteEndObject();
    }

    public static void WriteObserved(Utf8JsonWriter writer, ServiceObserved observed)
    {
        writer.WriteStartObject("observed");
        WriteNullableNumber(writer, "p50_latency_ms", observed.P50LatencyMs);
        WriteNullableNumber(writer, "p95_latency_ms", observed.P95LatencyMs);
        WriteNullableNumber(writer, "tokens_per_sec", observed.TokensPerSec);
        WriteNullableNumber(writer, "queue_depth", observed.QueueDepth);
        WriteNullableNumber(writer, "in_flight", observed.InFlight);
        WriteNullableNumber(writer, "loaded_model_count", observed.LoadedModelCount);
        WriteNullableNumber(writer, "vram_used_bytes", observed.VramUsedBytes);
        WriteNullableNumber(writer, "max_context_tokens", observed.MaxContextTokens);
        writer.WriteEndObject();
    }

    /// <summary>The Service object of api.md §4.1, <c>live</c> included (gates 2–7 now).</summary>
    public static void WriteService(Utf8JsonWriter writer, RoutingTable table, ServiceRecord service, LiveStateStore store, double now)
    {
        var facts = table.Index.FactsFor(service) ?? ServiceFacts.Create(service, null, 0);
        var live = store.Find(service.ServiceId);
        writer.WriteStartObject();
        writer.WriteString("service_id", service.ServiceId);
        writer.WriteString("host_id", service.HostId);
        writer.WriteString("kind", service.Kind);
        writer.WriteString("protocol", service.Protocol);
        writer.WriteString("endpoint", service.Endpoint);
        WriteElement(writer, "runtime", service.Runtime);
        WriteAssets(writer, service.Assets);
        writer.WriteStartObject("state");
        WriteNullableString(writer, "health", service.State.Health);
        WriteNullableString(writer, "load_state", service.State.LoadState);
        writer.WriteString("availability", service.State.Availability);
        writer.WriteBoolean("accept_requests", service.State.AcceptRequests);
        writer.WriteBoolean("allow_employee_direct_requests", service.State.AllowEmployeeDirectRequests);
        writer.WriteEndObject();
        WriteObserved(writer, service.Observed);
        writer.WriteNumber("created_at", service.CreatedAt);
        writer.WriteNumber("updated_at", service.UpdatedAt);

        var reason = facts.IsStale(now, table.Settings.HealthStaleAfterSeconds) ? GateCodes.HostStale
            : EligibilityGates.StateFailure(facts, live, includeHostOffline: true)
              ?? EligibilityGates.PassiveFailure(live, now)
              ?? (EligibilityGates.DirectPolicyFailure(facts) == GateCodes.HostModelFamilyPolicy ? GateCodes.HostModelFamilyPolicy : null);
        writer.WriteStartObject("live");
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
        WriteNullableNumber(writer, "cooldown_until", live?.CooldownUntil(now));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The Role object of api.md §4.1, every key present.</summary>
    public static void WriteRole(Utf8JsonWriter writer, RoleRecord role)
    {
        writer.WriteStartObject();
        writer.WriteString("role_id", role.RoleId);
        WriteNullableString(writer, "display_name", role.DisplayName);
        WriteNullableString(writer, "description", role.Description);
        writer.WriteString("operation", role.Operation);
        writer.WriteString("modality", role.Modality);
        writer.WriteStartObject("prompt_policy");
        WriteNullableString(writer, "system_prompt", role.PromptPolicy.SystemPrompt);
        WriteNullableString(writer, "user_template", role.PromptPolicy.UserTemplate);
        writer.WritePropertyName("request_policy");
        WriteRequestPolicy(writer, role.PromptPolicy.RequestPolicy);
        writer.WriteEndObject();
        WriteRoutingPolicy(writer, role.RoutingPolicy);
        writer.WriteNumber("updated_at", role.UpdatedAt);
        writer.WriteEndObject();
    }

    public static void WriteRoutingPolicy(Utf8JsonWriter writer, RoutingPolicy p)
    {
        writer.WriteStartObject("routing_policy");
        WriteStrings(writer, "preferred_families", p.PreferredFamilies.IsDefault ? [] : p.PreferredFamilies);
        WriteStrings(writer, "preferred_labels", p.PreferredLabels.IsDefault ? [] : p.PreferredLabels);
        WriteNullableNumber(writer, "min_context", p.MinContext);
        writer.WriteBoolean("require_loaded", p.RequireLoaded);
        writer.WriteBoolean("allow_employee_devices", p.AllowEmployeeDevices);
        WriteStrings(writer, "allowed_trust_tiers", p.AllowedTrustTiers.IsDefault ? [] : p.AllowedTrustTiers);
        WriteStrings(writer, "denied_trust_tiers", p.DeniedTrustTiers.IsDefault ? [] : p.DeniedTrustTiers);
        WriteStrings(writer, "allowed_device_classes", p.AllowedDeviceClasses.IsDefault ? [] : p.AllowedDeviceClasses);
        WriteStrings(writer, "denied_device_classes", p.DeniedDeviceClasses.IsDefault ? [] : p.DeniedDeviceClasses);
        WriteStrings(writer, "allowed_workload_classes", p.AllowedWorkloadClasses.IsDefault ? [] : p.AllowedWorkloadClasses);
        WriteStrings(writer, "denied_workload_classes", p.DeniedWorkloadClasses.IsDefault ? [] : p.DeniedWorkloadClasses);
        WriteStrings(writer, "fallback_roles", p.FallbackRoles.IsDefault ? [] : p.FallbackRoles);
        writer.WriteString("guardrail_profile", p.GuardrailProfile);
        writer.WriteString("tool_mode", p.ToolMode);
        writer.WriteBoolean("force_respond_tool", p.ForceRespondTool);
        writer.WriteString("context_budget_mode", p.ContextBudgetMode);
        WriteStrings(writer, "agentic_benchmark_workloads", p.AgenticBenchmarkWorkloads.IsDefault ? [] : p.AgenticBenchmarkWorkloads);
        writer.WriteEndObject();
    }

    /// <summary><c>{"match_type", "role"?, "service", "fallback_via"?}</c> of the resolve endpoint.</summary>
    public static void WriteResolution(Utf8JsonWriter writer, RoutingTable table, RouteResolution resolution, LiveStateStore store, double now)
    {
        writer.WriteStartObject();
        writer.WriteString("match_type", resolution.MatchType);
        if (resolution.Role is not null)
        {
            writer.WritePropertyName("role");
            WriteRole(writer, resolution.Role);
        }

        writer.WritePropertyName("service");
        if (resolution.Service is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            WriteService(writer, table, resolution.Service, store, now);
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
        WriteNullableString(writer, "operation", explain.Operation);
        WriteNullableString(writer, "route", explain.Route);
        writer.WriteString("strategy", explain.Strategy);
        WriteLevel(writer, explain.Level);
        WriteStrings(writer, "attempt_order", explain.AttemptOrder);
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
            WriteNullableString(writer, "reason", fallback.Reason);
            if (fallback.Level is not null)
            {
                WriteLevel(writer, fallback.Level);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private sealed class StatusResult(IResult inner, int status) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
