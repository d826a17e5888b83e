using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>A parsed <c>POST /v1/cluster/routes/match</c> body (api.md §4.4), lists already merged and trimmed.</summary>
public sealed record RouteMatchRequest(
    ImmutableArray<string> Tasks,
    ImmutableArray<string> Workloads,
    string? Kind,
    string? Modality,
    bool IncludeDirectServices = true,
    int Limit = 10);

/// <param name="CandidateType"><c>role</c> or <c>service</c>.</param>
public sealed record RouteMatchCandidate(
    string CandidateType,
    string CandidateId,
    string Operation,
    double Score,
    ImmutableArray<string> Reasons,
    JsonObject Signals,
    RoleRecord? Role,
    ServiceRecord? Service);

/// <summary>
/// Route match scoring (routing.md "Route match scoring", benchmarks.md "How samples feed scoring"): ranks roles
/// and direct services for a described task. Resolves in peek mode only (D3).
/// </summary>
public sealed class RouteMatcher(RouteResolver resolver)
{
    public const string TextReasonRole = "task text overlaps role description or policy";
    public const string TextReasonService = "task text overlaps service or asset metadata";

    public IReadOnlyList<RouteMatchCandidate> Match(RoutingTable table, RouteMatchRequest request)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(request);
        var taskTokens = Tokens(string.Join(' ', request.Tasks));
        var queryTokens = Tokens(string.Join(' ', request.Tasks.Concat(request.Workloads)));
        var candidates = new List<RouteMatchCandidate>();
        var index = table.Index;

        foreach (var role in table.Roles)
        {
            if ((request.Kind is not null && role.Operation != request.Kind) || (request.Modality is not null && role.Modality != request.Modality))
            {
                continue;
            }

            var service = resolver.Resolve(table, role.RoleId, role.Operation, ResolveMode.Peek).Service;
            var facts = service is null ? null : index.FactsFor(service);
            var text = Overlap(taskTokens, Tokens(RoleText(role)));
            var family = facts is not null && HasPreferredFamily(facts, role.RoutingPolicy.PreferredFamilies) ? 1.0 : 0.0;
            var guardrail = facts is not null && facts.GuardrailMatch(role.RoutingPolicy.GuardrailProfile) == 1 ? 1.0 : 0.0;
            var reasons = new List<string>();
            if (text > 0)
            {
                reasons.Add(TextReasonRole);
            }

            if (family > 0)
            {
                reasons.Add("resolved service matches role preferred model family");
            }

            if (guardrail > 0)
            {
                reasons.Add("resolved service matches role guardrail profile");
            }

            var signals = new JsonObject
            {
                ["task_overlap"] = Round(text),
                ["preferred_family_match"] = family > 0,
                ["guardrail_profile_match"] = guardrail > 0,
            };
            var runtime = Runtime(service, reasons, signals);
            var benchmark = Benchmark(table, service, request, queryTokens, reasons, signals);
            if (service is null)
            {
                reasons.Add("no healthy service currently resolves for this role");
            }

            var score = Round(Math.Min(1, (0.25 * text) + (0.12 * family) + (0.13 * guardrail) + (0.25 * runtime) + (0.25 * benchmark)));
            candidates.Add(new RouteMatchCandidate("role", role.RoleId, role.Operation, score, [.. reasons], signals, role, service));
        }

        if (request.IncludeDirectServices)
        {
            var live = index.LiveStates(resolver.LiveStates);
            var now = resolver.Now();
            foreach (var facts in index.Facts)
            {
                var service = facts.Service;
                if (EligibilityGates.FirstFailure(facts, null, request.Kind, now, table.Settings.HealthStaleAfterSeconds, live[facts.Index], checkPassive: true) is not null)
                {
                    continue;
                }

                var text = Overlap(taskTokens, Tokens(ServiceText(facts)));
                var reasons = new List<string>();
                if (text > 0)
                {
                    reasons.Add(TextReasonService);
                }

                var signals = new JsonObject { ["task_overlap"] = Round(text) };
                var runtime = Runtime(service, reasons, signals);
                var benchmark = Benchmark(table, service, request, queryTokens, reasons, signals);
                var score = Round(Math.Min(1, (0.20 * text) + (0.45 * runtime) + (0.35 * benchmark)));
                candidates.Add(new RouteMatchCandidate("service", service.ServiceId, service.Kind, score, [.. reasons], signals, null, service));
            }
        }

        candidates.Sort(static (a, b) =>
        {
            var c = b.Score.CompareTo(a.Score);
            if (c != 0)
            {
                return c;
            }

            c = (a.CandidateType != "role").CompareTo(b.CandidateType != "role");
            return c != 0 ? c : string.CompareOrdinal(a.CandidateId, b.CandidateId);
        });
        var limit = Math.Max(1, request.Limit);
        return candidates.Count > limit ? candidates.GetRange(0, limit) : candidates;
    }

    /// <summary>Quality of one sample's <c>results</c> (benchmarks.md): correctness and speed, JSON numbers only.</summary>
    public static double Quality(JsonElement results)
    {
        if (results.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        double? correctness = null;
        foreach (var key in (ReadOnlySpan<string>)["quality_score", "pass_rate", "terminal_accuracy", "completion_rate", "terminal_tool_completion_rate", "tool_success_rate"])
        {
            if (Number(results, key) is { } value)
            {
                correctness = Math.Max(correctness ?? double.MinValue, Math.Clamp(value, 0, 1));
            }
        }

        var speed = 0.0;
        if (Number(results, "tokens_per_sec") is { } tps)
        {
            speed += Math.Min(0.5, tps / 80);
        }

        if (Number(results, "ttft_ms") is { } ttft)
        {
            speed += ttft <= 500 ? 0.50 : ttft <= 1000 ? 0.40 : ttft <= 2500 ? 0.25 : 0.10;
        }

        speed = Math.Min(1, speed);
        return correctness is { } c ? (0.65 * c) + (0.35 * speed) : speed;
    }

    /// <summary><c>tok(x)</c>: the non-empty pieces of lower-cased <paramref name="text"/> split on every character outside <c>[a-z0-9]</c>.</summary>
    public static HashSet<string> Tokens(string? text)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var lower = text.ToLowerInvariant();
        var start = -1;
        for (var i = 0; i <= lower.Length; i++)
        {
            var inside = i < lower.Length && lower[i] is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (inside && start < 0)
            {
                start = i;
            }
            else if (!inside && start >= 0)
            {
                tokens.Add(lower[start..i]);
                start = -1;
            }
        }

        return tokens;
    }

    /// <summary><c>|T ∩ C| / |T|</c>, 0 if either is empty.</summary>
    public static double Overlap(HashSet<string> query, HashSet<string> candidate)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidate);
        if (query.Count == 0 || candidate.Count == 0)
        {
            return 0;
        }

        var common = 0;
        foreach (var token in query)
        {
            if (candidate.Contains(token))
            {
                common++;
            }
        }

        return (double)common / query.Count;
    }

    /// <summary>Half-to-even at 4 decimals.</summary>
    public static double Round(double value) => Math.Round(value, 4, MidpointRounding.ToEven);

    private static double? Number(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static bool HasPreferredFamily(ServiceFacts facts, ImmutableArray<string> families)
    {
        foreach (var family in families)
        {
            if (family.Length > 0 && facts.AssetIdsText.Contains(family.ToLowerInvariant(), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string RoleText(RoleRecord role)
    {
        var p = role.RoutingPolicy;
        var parts = new List<string?> { role.RoleId, role.DisplayName, role.Description, role.PromptPolicy.SystemPrompt };
        parts.AddRange(p.PreferredFamilies);
        parts.AddRange(p.PreferredLabels);
        parts.AddRange(p.AllowedTrustTiers);
        parts.AddRange(p.AllowedDeviceClasses);
        parts.AddRange(p.AllowedWorkloadClasses);
        parts.Add(p.GuardrailProfile);
        parts.Add(p.ToolMode);
        parts.AddRange(p.AgenticBenchmarkWorkloads);
        return string.Join(' ', parts.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static string ServiceText(ServiceFacts facts)
    {
        var service = facts.Service;
        var parts = new List<string?> { service.ServiceId, service.HostId, facts.TrustTier, facts.DeviceClass };
        parts.AddRange(facts.WorkloadClasses);
        parts.AddRange(service.Assets.Select(a => a.AssetId));
        if (service.Runtime.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in service.Runtime.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                if (!string.IsNullOrEmpty(value))
                {
                    parts.Add(property.Name + " " + value);
                }
            }
        }

        return string.Join(' ', parts.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static double Runtime(ServiceRecord? service, List<string> reasons, JsonObject signals)
    {
        if (service is null)
        {
            signals["loaded"] = false;
            signals["p50_latency_ms"] = null;
            signals["tokens_per_sec"] = null;
            return 0;
        }

        var observed = service.Observed;
        var loaded = service.IsLoaded;
        var score = 0.0;
        if (service.State.Availability == "busy")
        {
            score -= 0.10;
            reasons.Add("service reports busy availability");
        }

        if (loaded)
        {
            score += 0.35;
            reasons.Add("service already has a loaded asset");
        }

        if (observed.P50LatencyMs is { } p50)
        {
            (var delta, var reason) = p50 <= 1500 ? (0.30, "low observed latency")
                : p50 <= 4000 ? (0.18, "moderate observed latency")
                : (0.05, "high but usable latency");
            score += delta;
            reasons.Add(reason);
        }

        if (observed.TokensPerSec is { } tps && tps >= 8)
        {
            score += tps >= 20 ? 0.20 : 0.10;
            reasons.Add(tps >= 20 ? "good observed throughput" : "usable observed throughput");
        }

        if (observed.QueueDepth is { } queue && queue > 0)
        {
            score -= Math.Min(0.15, 0.03 * queue);
            reasons.Add("current queue depth reduces suitability");
        }

        signals["loaded"] = loaded;
        signals["p50_latency_ms"] = observed.P50LatencyMs;
        signals["tokens_per_sec"] = observed.TokensPerSec;
        signals["queue_depth"] = observed.QueueDepth;
        signals["loaded_model_count"] = observed.LoadedModelCount;
        signals["availability"] = service.State.Availability;
        return Math.Clamp(score, 0, 1);
    }

    private static double Benchmark(
        RoutingTable table, ServiceRecord? service, RouteMatchRequest request, HashSet<string> query, List<string> reasons, JsonObject signals)
    {
        var matches = 0;
        var bestOverlap = 0.0;
        double? bestQuality = null;
        if (service is not null && table.SamplesByServiceId.TryGetValue(service.ServiceId, out var samples))
        {
            foreach (var sample in samples)
            {
                var overlap = query.Count == 0 ? 0 : Overlap(query, Tokens(sample.Workload));
                if (!request.Workloads.IsDefaultOrEmpty && request.Workloads.Contains(sample.Workload, StringComparer.Ordinal))
                {
                    overlap = Math.Max(overlap, 1.0);
                }

                if (overlap > 0 || query.Count == 0)
                {
                    matches++;
                    bestOverlap = Math.Max(bestOverlap, overlap);
                    bestQuality = Math.Max(bestQuality ?? double.MinValue, Quality(sample.Results));
                }
            }
        }

        signals["benchmark_match_count"] = matches;
        signals["best_workload_overlap"] = Round(bestOverlap);
        signals["benchmark_quality_score"] = bestQuality is { } q ? Round(q) : null;
        if (matches == 0)
        {
            return 0;
        }

        reasons.Add("recent benchmark sample matches requested workload or task shape");
        reasons.Add(bestQuality >= 0.6
            ? "benchmark results indicate strong empirical fit"
            : "benchmark results indicate limited but relevant empirical fit");
        return Math.Min(1, (0.55 * bestOverlap) + (0.45 * bestQuality!.Value));
    }

    /// <summary>Parses and validates a match body; <paramref name="error"/> names the offending field.</summary>
    public static RouteMatchRequest? Parse(JsonElement body, out GenieHive.ServiceDefaults.Errors.ApiError? error)
    {
        error = null;
        string? ReadString(string name)
        {
            if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw new MatchParseException(name, $"'{name}' must be a string or null.");
            }

            return value.GetString();
        }

        ImmutableArray<string> ReadList(string single, string many)
        {
            var builder = ImmutableArray.CreateBuilder<string>();
            if (ReadString(single)?.Trim() is { Length: > 0 } first)
            {
                builder.Add(first);
            }

            if (body.TryGetProperty(many, out var list) && list.ValueKind != JsonValueKind.Null)
            {
                if (list.ValueKind != JsonValueKind.Array)
                {
                    throw new MatchParseException(many, $"'{many}' must be an array of strings.");
                }

                var k = 0;
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw new MatchParseException(string.Create(CultureInfo.InvariantCulture, $"{many}[{k}]"), $"'{many}' must be an array of strings.");
                    }

                    if (item.GetString()!.Trim() is { Length: > 0 } text)
                    {
                        builder.Add(text);
                    }

                    k++;
                }
            }

            return builder.ToImmutable();
        }

        try
        {
            var tasks = ReadList("task", "tasks");
            var workloads = ReadList("workload", "workloads");
            var kind = ReadString("kind");
            if (kind is not null && !Operations.IsKnown(kind))
            {
                throw new MatchParseException("kind", $"Unknown kind '{kind}'; expected chat, embeddings or transcription.");
            }

            var modality = ReadString("modality");
            var include = true;
            if (body.TryGetProperty("include_direct_services", out var inc) && inc.ValueKind != JsonValueKind.Null)
            {
                include = inc.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new MatchParseException("include_direct_services", "'include_direct_services' must be a boolean."),
                };
            }

            var limit = 10;
            if (body.TryGetProperty("limit", out var lim) && lim.ValueKind != JsonValueKind.Null)
            {
                if (lim.ValueKind != JsonValueKind.Number || !lim.TryGetInt64(out var l))
                {
                    throw new MatchParseException("limit", "'limit' must be an integer.");
                }

                limit = (int)Math.Clamp(l, int.MinValue, int.MaxValue);
            }

            return new RouteMatchRequest(tasks, workloads, kind, string.IsNullOrWhiteSpace(modality) ? null : modality.Trim(), include, limit);
        }
        catch (MatchParseException ex)
        {
            error = GenieHive.ServiceDefaults.Errors.ApiError.InvalidRequest(ex.Message, ex.Param);
            return null;
        }
    }

    private sealed class MatchParseException(string param, string message) : Exception(message)
    {
        public string Param { get; } = param;
    }
}
