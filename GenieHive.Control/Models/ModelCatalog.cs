using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Models;

/// <summary>One <c>/v1/models</c> entry (api.md §2.1): a service, an asset or a role.</summary>
/// <param name="RouteType"><c>service</c>, <c>asset</c> or <c>role</c>.</param>
/// <param name="Service">The service a request with <see cref="Id"/> reaches (service and asset entries), or the
/// service the role resolves to now (role entries, may be null).</param>
public sealed record ModelEntry(
    string Id,
    long Created,
    string OwnedBy,
    string RouteType,
    ServiceRecord? Service,
    RoleRecord? Role,
    int HealthyTargetCount = 0,
    int LoadedTargetCount = 0,
    double? BestP50LatencyMs = null);

/// <summary>
/// Builds the <c>/v1/models</c> listing from a snapshot: an entry per listable service and per asset id of one,
/// and per role; an id occurring twice describes what a request with it reaches (direct before role). Listing
/// resolves in peek mode and never moves round-robin counters (D3).
/// </summary>
public sealed class ModelCatalog(RouteResolver resolver)
{
    /// <summary>Every entry, sorted by id (ordinal).</summary>
    public IReadOnlyList<ModelEntry> List(RoutingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var listable = Listable(table);
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var facts in table.Index.Facts)
        {
            if (listable[facts.Index])
            {
                ids.Add(facts.Service.ServiceId);
                foreach (var asset in facts.Service.Assets)
                {
                    ids.Add(asset.AssetId);
                }
            }
        }

        foreach (var role in table.Roles)
        {
            ids.Add(role.RoleId);
        }

        var entries = new List<ModelEntry>(ids.Count);
        foreach (var id in ids)
        {
            if (Entry(table, id, listable) is { } entry)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>The entry for <paramref name="id"/>, or null (404 <c>model_not_found</c>).</summary>
    public ModelEntry? Find(RoutingTable table, string id)
    {
        ArgumentNullException.ThrowIfNull(table);
        return Entry(table, id, Listable(table));
    }

    /// <summary>Services passing the direct gates other than passive health (a cooling-down service stays listed).</summary>
    private bool[] Listable(RoutingTable table)
    {
        var index = table.Index;
        var live = index.LiveStates(resolver.LiveStates);
        var now = resolver.Now();
        var listable = new bool[index.Facts.Length];
        foreach (var facts in index.Facts)
        {
            listable[facts.Index] = EligibilityGates.FirstFailure(
                facts, null, null, now, table.Settings.HealthStaleAfterSeconds, live[facts.Index], checkPassive: false) is null;
        }

        return listable;
    }

    private ModelEntry? Entry(RoutingTable table, string id, bool[] listable)
    {
        var index = table.Index;
        if (index.Direct.TryGetValue(id, out var direct) && PreferredKind(index, direct, listable, id, out var kind))
        {
            var service = resolver.ResolveForListing(table, id, kind).Service;
            if (service is not null)
            {
                var routeType = service.ServiceId == id ? "service" : "asset";
                return new ModelEntry(id, (long)Math.Floor(service.CreatedAt), service.HostId, routeType, service, null);
            }
        }

        if (!table.RolesById.TryGetValue(id, out var role))
        {
            return null;
        }

        var healthy = 0;
        var loaded = 0;
        double? best = null;
        var live = index.LiveStates(resolver.LiveStates);
        var now = resolver.Now();
        foreach (var facts in index.Facts)
        {
            if (EligibilityGates.FirstFailure(facts, role, role.Operation, now, table.Settings.HealthStaleAfterSeconds, live[facts.Index], checkPassive: true) is not null)
            {
                continue;
            }

            healthy++;
            if (facts.Loaded)
            {
                loaded++;
            }

            if (facts.P50 is { } p50 && (best is null || p50 < best))
            {
                best = p50;
            }
        }

        var target = resolver.Resolve(table, id, role.Operation, ResolveMode.Peek).Service;
        return new ModelEntry(id, (long)Math.Floor(role.CreatedAt), "geniehive-role", "role", target, role, healthy, loaded, best);
    }

    /// <summary>
    /// Whether a listable service matches the id, and the operation its entry describes when several do: the kind
    /// of the service named by the id, else a kind other than chat (an Ollama chat service lists every local
    /// model, so an embeddings model is never labelled chat), else null (direct order decides).
    /// </summary>
    private static bool PreferredKind(RouteIndex index, int[] direct, bool[] listable, string id, out string? kind)
    {
        kind = null;
        string? firstKind = null;
        var mixed = false;
        foreach (var i in direct)
        {
            if (!listable[i])
            {
                continue;
            }

            var service = index.Facts[i].Service;
            firstKind ??= service.Kind;
            mixed |= service.Kind != firstKind;
            if (service.ServiceId == id)
            {
                kind = service.Kind;
            }
            else if (service.Kind != Operations.Chat)
            {
                kind ??= service.Kind;
            }
        }

        if (!mixed)
        {
            kind = null;
        }

        return firstKind is not null;
    }

    /// <summary>Writes an entry as api.md §2.1 shows it.</summary>
    public static void Write(Utf8JsonWriter writer, RoutingTable table, ModelEntry entry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(entry);
        writer.WriteStartObject();
        writer.WriteString("id", entry.Id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", entry.Created);
        writer.WriteString("owned_by", entry.OwnedBy);
        writer.WriteStartObject("geniehive");
        if (entry.Role is { } role)
        {
            WriteRole(writer, entry, role);
        }
        else
        {
            WriteService(writer, table, entry, entry.Service!);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteService(Utf8JsonWriter writer, RoutingTable table, ModelEntry entry, ServiceRecord service)
    {
        var facts = table.Index.FactsFor(service) ?? ServiceFacts.Create(service, null, 0);
        writer.WriteString("route_type", entry.RouteType);
        if (entry.RouteType == "asset")
        {
            writer.WriteString("asset_id", entry.Id);
        }

        writer.WriteString("service_id", service.ServiceId);
        writer.WriteString("host_id", service.HostId);
        writer.WriteString("operation", service.Kind);
        writer.WriteString("protocol", service.Protocol);
        writer.WriteString("endpoint", service.Endpoint);
        RoutingJson.WriteNullableString(writer, "health", service.State.Health);
        writer.WriteString("availability", string.IsNullOrEmpty(service.State.Availability) ? "available" : service.State.Availability);
        RoutingJson.WriteNullableString(writer, "trust_tier", facts.TrustTier);
        RoutingJson.WriteNullableString(writer, "device_class", facts.DeviceClass);
        RoutingJson.WriteStrings(writer, "workload_classes", facts.WorkloadClasses.Order(StringComparer.Ordinal));
        writer.WriteNumber("loaded_asset_count", service.LoadedAssetCount);
        RoutingJson.WriteAssets(writer, service.Assets);
        RoutingJson.WriteElement(writer, "runtime", service.Runtime);
        RoutingJson.WriteObserved(writer, service.Observed);
        WriteEffectivePolicy(writer, null, service, entry.Id);
        WriteOffloadHint(writer, service.Kind, service.IsLoaded ? 1 : 0, service.Observed.P50LatencyMs);
    }

    private static void WriteRole(Utf8JsonWriter writer, ModelEntry entry, RoleRecord role)
    {
        writer.WriteString("route_type", "role");
        writer.WriteString("role_id", role.RoleId);
        RoutingJson.WriteNullableString(writer, "display_name", role.DisplayName);
        writer.WriteString("operation", role.Operation);
        writer.WriteString("modality", role.Modality);
        writer.WriteNumber("healthy_target_count", entry.HealthyTargetCount);
        writer.WriteNumber("loaded_target_count", entry.LoadedTargetCount);
        RoutingJson.WriteNullableNumber(writer, "best_p50_latency_ms", entry.BestP50LatencyMs);
        WriteOffloadHint(writer, role.Operation, entry.LoadedTargetCount, entry.BestP50LatencyMs);
        RoutingJson.WriteRoutingPolicy(writer, role.RoutingPolicy);
        if (entry.Service is { } service)
        {
            WriteEffectivePolicy(writer, role, service, role.RoleId);
        }
        else
        {
            writer.WriteNull("effective_request_policy");
        }
    }

    private static void WriteEffectivePolicy(Utf8JsonWriter writer, RoleRecord? role, ServiceRecord service, string id)
    {
        var policy = service.Kind == Operations.Chat ? RequestPolicyApplier.Effective(role, service, id) : null;
        if (policy is null)
        {
            writer.WriteNull("effective_request_policy");
            return;
        }

        writer.WritePropertyName("effective_request_policy");
        policy.WriteTo(writer);
    }

    /// <summary><c>offload_hint</c>: suitability bands by the best p50 among loaded targets.</summary>
    private static void WriteOffloadHint(Utf8JsonWriter writer, string operation, int loadedTargets, double? bestP50)
    {
        writer.WriteStartObject("offload_hint");
        writer.WriteString("operation", operation);
        writer.WriteString("suitability", Suitability(loadedTargets, bestP50));
        writer.WriteString("recommended_for", operation == Operations.Chat ? "lower-complexity offload" : operation + " offload");
        writer.WriteStartObject("inference_basis");
        writer.WriteNumber("loaded_target_count", loadedTargets);
        RoutingJson.WriteNullableNumber(writer, "best_p50_latency_ms", bestP50);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static string Suitability(int loadedTargets, double? bestP50) =>
        loadedTargets == 0 ? "cold_only"
        : bestP50 <= 1500 ? "good_for_low_complexity"
        : bestP50 <= 4000 ? "usable_for_background_tasks"
        : "available_but_slow";
}
