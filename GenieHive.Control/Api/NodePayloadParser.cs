using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>
/// Validates node-protocol payloads field by field (api.md §3.1 table): the first bad field becomes a 400
/// <c>invalid_request</c> naming it (<c>services[0].kind</c>, D8). Unknown keys are ignored.
/// </summary>
public static class NodePayloadParser
{
    private static readonly string[] Availabilities = ["available", "busy", "draining", "paused_by_user", "offline", "quarantined"];
    private static readonly string[] Positions = ["prepend", "append", "replace"];
    private static readonly string[] KnownRuntimeKeys = ["engine", "launcher", "provider_id", "context_size", "max_context_tokens"];

    public static ApiError? TryParseRegistration(JsonElement root, out HostReport? report)
    {
        report = null;
        try
        {
            var hostId = RequiredString(root, "host_id", "host_id");
            report = new HostReport(
                hostId,
                OptionalString(root, "display_name", "display_name"),
                RequiredString(root, "address", "address"),
                StringMap(root, "labels", "labels"),
                Object(root, "capabilities", "capabilities"),
                Object(root, "resources", "resources"),
                OptionalString(root, "instance_id", "instance_id"),
                OptionalString(root, "agent_url", "agent_url"),
                Services(root, hostId));
            return null;
        }
        catch (PayloadException ex)
        {
            return ex.Error;
        }
    }

    public static ApiError? TryParseHeartbeat(JsonElement root, out HeartbeatReport? report)
    {
        report = null;
        try
        {
            var hostId = RequiredString(root, "host_id", "host_id");
            var state = "online";
            if (Property(root, "status") is { } status)
            {
                if (status.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("status", "must be an object");
                }

                state = OptionalString(status, "state", "status.state") ?? "online";
                if (state.Length == 0)
                {
                    throw Invalid("status.state", "must not be empty");
                }

                // Ignored (the control-plane clock decides), but it must be a timestamp when sent.
                Timestamp(status, "last_seen", "status.last_seen");
            }

            JsonElement? resources = Property(root, "resources") is null ? null : Object(root, "resources", "resources");
            report = new HeartbeatReport(
                hostId,
                OptionalString(root, "instance_id", "instance_id"),
                state,
                Object(root, "metrics", "metrics"),
                resources,
                Services(root, hostId));
            return null;
        }
        catch (PayloadException ex)
        {
            return ex.Error;
        }
    }

    /// <summary>Unix seconds from a number or an ISO-8601 string; null when absent.</summary>
    public static double? Timestamp(JsonElement parent, string name, string param)
    {
        if (Property(parent, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds))
        {
            return seconds;
        }

        if (value.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            return UnixTime.Seconds(instant);
        }

        throw Invalid(param, "must be Unix seconds or an ISO-8601 timestamp");
    }

    /// <summary>A service as the registry stored it (the wire shape), for loading at start-up.</summary>
    public static ServiceRecord ParseStoredService(JsonElement item, string hostId)
    {
        try
        {
            return Service(item, "service", hostId);
        }
        catch (PayloadException ex)
        {
            throw new InvalidDataException($"Stored service is invalid: {ex.Message}", ex);
        }
    }

    private static ImmutableArray<ServiceRecord> Services(JsonElement root, string hostId)
    {
        if (Property(root, "services") is not { } services)
        {
            return [];
        }

        if (services.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("services", "must be an array");
        }

        var result = ImmutableArray.CreateBuilder<ServiceRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in services.EnumerateArray())
        {
            var p = $"services[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(p, "must be an object");
            }

            var service = Service(item, p, hostId);
            if (!seen.Add(service.ServiceId))
            {
                throw Invalid($"{p}.service_id", $"service '{service.ServiceId}' appears twice in the payload");
            }

            result.Add(service);
            index++;
        }

        return result.ToImmutable();
    }

    private static ServiceRecord Service(JsonElement item, string p, string hostId)
    {
        var serviceId = RequiredString(item, "service_id", $"{p}.service_id");
        var kind = RequiredString(item, "kind", $"{p}.kind");
        if (!Operations.IsKnown(kind))
        {
            throw Invalid($"{p}.kind", $"must be one of chat, embeddings, transcription; got '{kind}'");
        }

        var protocol = OptionalString(item, "protocol", $"{p}.protocol") ?? "openai";
        var endpoint = RequiredString(item, "endpoint", $"{p}.endpoint");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw Invalid($"{p}.endpoint", "must be an absolute http(s) URL");
        }

        return new ServiceRecord(
            serviceId,
            hostId,
            kind,
            protocol,
            endpoint.TrimEnd('/'),
            Runtime(item, $"{p}.runtime"),
            Assets(item, $"{p}.assets"),
            State(item, $"{p}.state"),
            Observed(item, $"{p}.observed"),
            0,
            0);
    }

    private static JsonElement Runtime(JsonElement service, string p)
    {
        var runtime = Object(service, "runtime", p);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Utf8JsonResult.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var key in new[] { "engine", "launcher", "provider_id" })
            {
                if (Property(runtime, key) is { } value && value.ValueKind != JsonValueKind.String)
                {
                    throw Invalid($"{p}.{key}", "must be a string");
                }

                var text = OptionalString(runtime, key, $"{p}.{key}");
                if (text is null)
                {
                    writer.WriteNull(key);
                }
                else
                {
                    writer.WriteString(key, text);
                }
            }

            foreach (var key in new[] { "context_size", "max_context_tokens" })
            {
                if (Integer(runtime, key, $"{p}.{key}") is { } number)
                {
                    writer.WriteNumber(key, number);
                }
                else
                {
                    writer.WriteNull(key);
                }
            }

            foreach (var property in runtime.EnumerateObject())
            {
                if (Array.IndexOf(KnownRuntimeKeys, property.Name) >= 0)
                {
                    continue;
                }

                if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    throw Invalid($"{p}.{property.Name}", "runtime values must be scalars");
                }

                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }

    private static ImmutableArray<AssetRecord> Assets(JsonElement service, string p)
    {
        if (Property(service, "assets") is not { } assets)
        {
            return [];
        }

        if (assets.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(p, "must be an array");
        }

        var result = ImmutableArray.CreateBuilder<AssetRecord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var asset in assets.EnumerateArray())
        {
            var ap = $"{p}[{index}]";
            if (asset.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(ap, "must be an object");
            }

            var id = RequiredString(asset, "asset_id", $"{ap}.asset_id");
            if (!seen.Add(id))
            {
                throw Invalid($"{ap}.asset_id", $"asset '{id}' appears twice in the service");
            }

            result.Add(new AssetRecord(
                id,
                Boolean(asset, "loaded", $"{ap}.loaded") ?? false,
                Integer(asset, "context_size", $"{ap}.context_size"),
                Integer(asset, "max_context_tokens", $"{ap}.max_context_tokens"),
                OptionalString(asset, "family", $"{ap}.family"),
                Property(asset, "request_policy") is null ? null : RequestPolicy(Object(asset, "request_policy", $"{ap}.request_policy"), $"{ap}.request_policy")));
            index++;
        }

        return result.ToImmutable();
    }

    /// <summary>The <c>{body_defaults, system_prompt, system_prompt_position}</c> shape (D14).</summary>
    public static RequestPolicy RequestPolicy(JsonElement policy, string p)
    {
        JsonElement? bodyDefaults = Property(policy, "body_defaults") is null ? null : Object(policy, "body_defaults", $"{p}.body_defaults");
        if (bodyDefaults is { } defaults && !defaults.EnumerateObject().Any())
        {
            bodyDefaults = null;
        }

        var position = OptionalString(policy, "system_prompt_position", $"{p}.system_prompt_position") ?? "prepend";
        if (Array.IndexOf(Positions, position) < 0)
        {
            throw Invalid($"{p}.system_prompt_position", "must be one of prepend, append, replace");
        }

        return new RequestPolicy(bodyDefaults?.Clone(), OptionalString(policy, "system_prompt", $"{p}.system_prompt"), position);
    }

    private static ServiceState State(JsonElement service, string p)
    {
        var state = Object(service, "state", p);
        var availability = OptionalString(state, "availability", $"{p}.availability") ?? "available";
        if (Array.IndexOf(Availabilities, availability) < 0)
        {
            throw Invalid($"{p}.availability", $"must be one of {string.Join(", ", Availabilities)}");
        }

        return new ServiceState(
            OptionalString(state, "health", $"{p}.health"),
            OptionalString(state, "load_state", $"{p}.load_state"),
            availability,
            Boolean(state, "accept_requests", $"{p}.accept_requests") ?? true,
            Boolean(state, "allow_employee_direct_requests", $"{p}.allow_employee_direct_requests") ?? false);
    }

    private static ServiceObserved Observed(JsonElement service, string p)
    {
        var observed = Object(service, "observed", p);
        return new ServiceObserved(
            Number(observed, "p50_latency_ms", $"{p}.p50_latency_ms"),
            Number(observed, "p95_latency_ms", $"{p}.p95_latency_ms"),
            Number(observed, "tokens_per_sec", $"{p}.tokens_per_sec"),
            Integer(observed, "queue_depth", $"{p}.queue_depth", allowDigitStrings: false),
            Integer(observed, "in_flight", $"{p}.in_flight", allowDigitStrings: false),
            Integer(observed, "loaded_model_count", $"{p}.loaded_model_count", allowDigitStrings: false),
            Integer(observed, "vram_used_bytes", $"{p}.vram_used_bytes", allowDigitStrings: false),
            Integer(observed, "max_context_tokens", $"{p}.max_context_tokens", allowDigitStrings: false),
            Integer(observed, "memory_used_bytes", $"{p}.memory_used_bytes", allowDigitStrings: false),
            Integer(observed, "memory_budget_bytes", $"{p}.memory_budget_bytes", allowDigitStrings: false));
    }

    /// <summary>The property's value, or null when absent or JSON null.</summary>
    private static JsonElement? Property(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    private static string RequiredString(JsonElement parent, string name, string param)
    {
        var value = OptionalString(parent, name, param);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid(param, value is null ? "is required" : "must not be empty");
        }

        return value;
    }

    private static string? OptionalString(JsonElement parent, string name, string param)
    {
        if (Property(parent, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Invalid(param, "must be a string");
    }

    private static JsonElement Object(JsonElement parent, string name, string param)
    {
        if (Property(parent, name) is not { } value)
        {
            return ClusterJson.EmptyObject;
        }

        return value.ValueKind == JsonValueKind.Object ? value.Clone() : throw Invalid(param, "must be an object");
    }

    private static JsonElement StringMap(JsonElement parent, string name, string param)
    {
        var map = Object(parent, name, param);
        foreach (var property in map.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Invalid($"{param}.{property.Name}", "must be a string");
            }
        }

        return map;
    }

    private static bool? Boolean(JsonElement parent, string name, string param) =>
        Property(parent, name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw Invalid(param, "must be a boolean"),
        };

    private static double? Number(JsonElement parent, string name, string param)
    {
        if (Property(parent, name) is not { } value)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number)
            ? number
            : throw Invalid(param, "must be a number");
    }

    private static long? Integer(JsonElement parent, string name, string param, bool allowDigitStrings = true)
    {
        if (Property(parent, name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var integer))
            {
                return integer;
            }

            if (value.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
            {
                return (long)d;
            }
        }
        else if (allowDigitStrings && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw Invalid(param, "must be an integer");
    }

    private static PayloadException Invalid(string param, string reason) =>
        new(ApiError.InvalidRequest($"'{param}' {reason}.", param));


    /// <summary>Unwinds the recursive descent at the first bad field; never escapes this class.</summary>
    private sealed class PayloadException(ApiError error) : Exception(error.Message)
    {
        public ApiError Error { get; } = error;
    }
}
