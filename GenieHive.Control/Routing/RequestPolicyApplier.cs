using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// Shapes the upstream body of one attempt from the caller's body (routing.md "Request policy", steps 1–7). Pure:
/// the caller's body is never modified, so the proxy calls <see cref="Apply"/> again from the original body on each
/// failover attempt (the service, target asset and upstream model id change with the attempt).
/// </summary>
public static class RequestPolicyApplier
{
    private static readonly EffectiveRequestPolicy Empty = new(null, null, "prepend");

    /// <summary>
    /// Builds the body for an attempt on <paramref name="service"/>.
    /// </summary>
    /// <param name="callerBody">The caller's JSON body as received; not modified.</param>
    /// <param name="role">The primary role of the route (<see cref="RouteResolution.Role"/>; also for fallback
    /// targets), or null for direct routes: its persona, user template and request policy apply.</param>
    /// <param name="service">The service of this attempt (an entry of <see cref="RouteResolution.AttemptOrder"/>).</param>
    /// <param name="requestedId">The caller's <c>model</c>.</param>
    /// <param name="injectStreamUsage">Step 7 allowed: false when the service has <c>runtime.stream_usage: false</c>
    /// or is known to refuse it (<see cref="StreamUsageAllowed"/>), and for the one re-send without it.</param>
    /// <returns>The upstream body, and whether the proxy must drop the usage-only chunk the injection produces.</returns>
    public static ShapedRequest Apply(JsonObject callerBody, RoleRecord? role, ServiceRecord service, string requestedId, bool injectStreamUsage)
    {
        ArgumentNullException.ThrowIfNull(callerBody);
        ArgumentNullException.ThrowIfNull(service);
        var body = (JsonObject)callerBody.DeepClone();
        if (service.Kind != Operations.Chat)
        {
            body["model"] = UpstreamModel.IdFor(service, requestedId);
            return new ShapedRequest(body, false);
        }

        var policy = Effective(role, service, requestedId) ?? Empty;
        if (policy.BodyDefaults is { Count: > 0 } defaults)
        {
            AddDefaults(body, defaults);
        }

        var persona = role?.PromptPolicy.SystemPrompt;
        var prompt = policy.SystemPrompt;
        var template = role?.PromptPolicy.UserTemplate;
        if (body["messages"] is JsonArray messages
            && (!string.IsNullOrEmpty(persona) || !string.IsNullOrEmpty(prompt) || !string.IsNullOrEmpty(template)))
        {
            for (var k = messages.Count - 1; k >= 0; k--)
            {
                if (messages[k] is not JsonObject)
                {
                    messages.RemoveAt(k);
                }
            }

            if (!string.IsNullOrEmpty(persona))
            {
                ApplyPersona(messages, persona);
            }

            if (!string.IsNullOrEmpty(prompt))
            {
                ApplyPolicyPrompt(messages, prompt, policy.SystemPromptPosition);
            }

            if (!string.IsNullOrEmpty(template))
            {
                ApplyUserTemplate(messages, template);
            }
        }

        body["model"] = UpstreamModel.IdFor(service, requestedId);
        var hide = false;
        if (injectStreamUsage && body["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var streaming) && streaming)
        {
            if (body["stream_options"] is JsonObject options)
            {
                if (!(options["include_usage"] is JsonValue include && include.TryGetValue<bool>(out var on) && on))
                {
                    options["include_usage"] = true;
                    hide = true;
                }
            }
            else
            {
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
                hide = true;
            }
        }

        return new ShapedRequest(body, hide);
    }

    /// <summary>
    /// True when <see cref="Apply"/> on <paramref name="service"/> can change nothing but <c>model</c> and the step-7
    /// stream usage injection: a service of another operation, or a chat service with no persona, no user template
    /// and an empty effective policy (no body defaults, no policy prompt; the Qwen3 rule included). The proxy then
    /// forwards the caller's bytes with only those edits instead of building a DOM.
    /// </summary>
    public static bool OnlyModelAndStreamUsage(RoleRecord? role, ServiceRecord service, string requestedId)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Kind != Operations.Chat)
        {
            return true;
        }

        return string.IsNullOrEmpty(role?.PromptPolicy.SystemPrompt)
            && string.IsNullOrEmpty(role?.PromptPolicy.UserTemplate)
            && Effective(role, service, requestedId) is null;
    }

    /// <summary>
    /// Step 7 may run for this service: not turned off by <c>runtime.stream_usage</c> (<c>false</c>, the string
    /// <c>"false"</c> in any case, or 0: config.md, any scalar, D14) and not refused by it before (<paramref name="live"/>).
    /// Reads only the service and its live state, so the proxy needs no routing table for it.
    /// </summary>
    public static bool StreamUsageAllowed(ServiceRecord service, Health.ServiceLiveState? live)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (live?.RefusesStreamUsage == true)
        {
            return false;
        }

        if (service.Runtime.ValueKind != JsonValueKind.Object || !service.Runtime.TryGetProperty("stream_usage", out var value))
        {
            return true;
        }

        return value.ValueKind switch
        {
            JsonValueKind.False => false,
            JsonValueKind.String => !string.Equals(value.GetString(), "false", StringComparison.OrdinalIgnoreCase),
            JsonValueKind.Number => value.TryGetDouble(out var n) && n != 0,
            _ => true,
        };
    }

    /// <summary>
    /// The effective policy for <paramref name="service"/> reached by <paramref name="requestedId"/> under the primary
    /// <paramref name="role"/> (null for direct routes); null when it is empty.
    /// </summary>
    public static EffectiveRequestPolicy? Effective(RoleRecord? role, ServiceRecord service, string requestedId)
    {
        ArgumentNullException.ThrowIfNull(service);
        var asset = UpstreamModel.TargetAsset(service, requestedId);
        JsonObject? defaults = null;
        string? prompt = null;
        var position = "prepend";
        if (InfersQwen3(service, asset, requestedId))
        {
            defaults = new JsonObject { ["chat_template_kwargs"] = new JsonObject { ["enable_thinking"] = false } };
        }

        void Merge(RequestPolicy? source)
        {
            if (source is null)
            {
                return;
            }

            if (source.BodyDefaults is { ValueKind: System.Text.Json.JsonValueKind.Object } element)
            {
                defaults ??= [];
                Override(defaults, JsonObject.Create(element)!);
            }

            if (!string.IsNullOrEmpty(source.SystemPrompt))
            {
                prompt = source.SystemPrompt;
                position = source.SystemPromptPosition is "append" or "replace" ? source.SystemPromptPosition : "prepend";
            }
        }

        Merge(asset?.RequestPolicy);
        Merge(role?.PromptPolicy.RequestPolicy);
        var effective = new EffectiveRequestPolicy(defaults, prompt, position);
        return effective.IsEmpty ? null : effective;
    }

    /// <summary>The Qwen3 rule: some id, lower-cased and reduced to <c>[a-z0-9]</c>, starts with <c>qwen3</c>.</summary>
    public static bool InfersQwen3(ServiceRecord service, AssetRecord? asset, string requestedId)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (StartsWithQwen3(requestedId) || StartsWithQwen3(service.ServiceId) || (asset is not null && StartsWithQwen3(asset.AssetId)))
        {
            return true;
        }

        foreach (var a in service.Assets)
        {
            if (StartsWithQwen3(a.AssetId))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool StartsWithQwen3(string id)
    {
        ReadOnlySpan<char> prefix = "qwen3";
        var matched = 0;
        foreach (var ch in id)
        {
            var c = char.ToLowerInvariant(ch);
            if (c is (< 'a' or > 'z') and (< '0' or > '9'))
            {
                continue;
            }

            if (c != prefix[matched])
            {
                return false;
            }

            if (++matched == prefix.Length)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Step 1: a default absent from the body is added after the caller's keys; objects recurse; the caller wins otherwise.</summary>
    private static void AddDefaults(JsonObject body, JsonObject defaults)
    {
        foreach (var (key, value) in defaults)
        {
            if (!body.TryGetPropertyValue(key, out var existing))
            {
                body[key] = value?.DeepClone();
            }
            else if (existing is JsonObject inner && value is JsonObject innerDefaults)
            {
                AddDefaults(inner, innerDefaults);
            }
        }
    }

    /// <summary>Policy merge: later sources override, recursing where both sides are objects.</summary>
    private static void Override(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (target[key] is JsonObject inner && value is JsonObject innerSource)
            {
                Override(inner, innerSource);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static bool IsSystem(JsonNode? message) =>
        message is JsonObject m && m["role"] is JsonValue r && r.TryGetValue<string>(out var role) && role == "system";

    private static bool ContentEquals(JsonNode? message, string text) =>
        message is JsonObject m && m["content"] is JsonValue v && v.TryGetValue<string>(out var content) && content == text;

    private static int FirstSystem(JsonArray messages)
    {
        for (var k = 0; k < messages.Count; k++)
        {
            if (IsSystem(messages[k]))
            {
                return k;
            }
        }

        return -1;
    }

    private static bool AnySystemWithContent(JsonArray messages, string text)
    {
        foreach (var message in messages)
        {
            if (IsSystem(message) && ContentEquals(message, text))
            {
                return true;
            }
        }

        return false;
    }

    private static JsonObject SystemMessage(string content) => new() { ["role"] = "system", ["content"] = content };

    /// <summary>Step 3, the persona (D4).</summary>
    private static void ApplyPersona(JsonArray messages, string persona)
    {
        var first = FirstSystem(messages);
        if (AnySystemWithContent(messages, persona))
        {
            return;
        }

        if (first < 0)
        {
            messages.Insert(0, SystemMessage(persona));
            return;
        }

        var system = (JsonObject)messages[first]!;
        switch (system["content"])
        {
            case JsonValue value when value.TryGetValue<string>(out var content):
                if (!content.StartsWith(persona, StringComparison.Ordinal))
                {
                    system["content"] = persona + "\n\n" + content;
                }

                break;
            case JsonArray parts:
                parts.Insert(0, new JsonObject { ["type"] = "text", ["text"] = persona });
                break;
            default:
                system["content"] = persona;
                break;
        }
    }

    /// <summary>Step 4, the policy prompt.</summary>
    private static void ApplyPolicyPrompt(JsonArray messages, string prompt, string position)
    {
        if (AnySystemWithContent(messages, prompt))
        {
            return;
        }

        switch (position)
        {
            case "append":
                messages.Add(SystemMessage(prompt));
                break;
            case "replace" when FirstSystem(messages) is var first and >= 0:
                messages[first] = SystemMessage(prompt);
                break;
            default:
                messages.Insert(0, SystemMessage(prompt));
                break;
        }
    }

    /// <summary>Step 5, the user template (D4), on the last user message.</summary>
    private static void ApplyUserTemplate(JsonArray messages, string template)
    {
        for (var k = messages.Count - 1; k >= 0; k--)
        {
            if (messages[k] is not JsonObject message || !(message["role"] is JsonValue r && r.TryGetValue<string>(out var role) && role == "user"))
            {
                continue;
            }

            switch (message["content"])
            {
                case JsonValue value when value.TryGetValue<string>(out var content):
                    message["content"] = RenderTemplate(template, content);
                    break;
                case JsonArray parts:
                    for (var p = parts.Count - 1; p >= 0; p--)
                    {
                        if (parts[p] is JsonObject part && part["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "text")
                        {
                            var text = part["text"] is JsonValue tv && tv.TryGetValue<string>(out var s) ? s : "";
                            part["text"] = RenderTemplate(template, text);
                            break;
                        }
                    }

                    break;
            }

            return;
        }
    }

    /// <summary>
    /// Replaces every <c>{input}</c> and <c>{{ user_input }}</c> (spaces inside the braces optional) with
    /// <paramref name="input"/>, literally and in one pass; without a placeholder: template, blank line, input.
    /// </summary>
    public static string RenderTemplate(string template, string input)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(input);
        var sb = new StringBuilder(template.Length + input.Length);
        var found = false;
        var i = 0;
        while (i < template.Length)
        {
            var length = PlaceholderAt(template, i);
            if (length > 0)
            {
                sb.Append(input);
                i += length;
                found = true;
            }
            else
            {
                sb.Append(template[i]);
                i++;
            }
        }

        return found ? sb.ToString() : template + "\n\n" + input;
    }

    private static int PlaceholderAt(string t, int i)
    {
        if (string.CompareOrdinal(t, i, "{input}", 0, 7) == 0)
        {
            return 7;
        }

        if (string.CompareOrdinal(t, i, "{{", 0, 2) != 0)
        {
            return 0;
        }

        var j = i + 2;
        while (j < t.Length && t[j] == ' ')
        {
            j++;
        }

        if (string.CompareOrdinal(t, j, "user_input", 0, 10) != 0)
        {
            return 0;
        }

        j += 10;
        while (j < t.Length && t[j] == ' ')
        {
            j++;
        }

        return string.CompareOrdinal(t, j, "}}", 0, 2) == 0 ? j + 2 - i : 0;
    }
}

/// <param name="Body">The upstream body of this attempt.</param>
/// <param name="HideUsageChunk">Step 7 injected <c>stream_options.include_usage</c>: drop events with <c>usage</c>
/// and an empty <c>choices</c> array before they reach the caller.</param>
public sealed record ShapedRequest(JsonObject Body, bool HideUsageChunk);
