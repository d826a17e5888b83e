using System.Globalization;
using GenieHive.Control.Auth;
using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Api;

/// <summary>
/// The operator API (api.md §4) except route resolve/match: reads come from the routing snapshot, never from
/// SQLite; writes go through the <see cref="RegistryWriter"/>. Client-key auth.
/// </summary>
public static class ClusterApi
{
    public const int MaxBenchmarkLimit = 10_000;

    public static RouteGroupBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/cluster").RequireClientKey();
        group.MapGet("/hosts", ListHosts);
        group.MapDelete("/hosts/{hostId}", DeleteHostAsync);
        group.MapGet("/services", ListServices);
        group.MapGet("/roles", ListRoles);
        group.MapGet("/health", Health);
        group.MapGet("/benchmarks", ListBenchmarks);
        group.MapPost("/benchmarks", IngestBenchmarksAsync);
        // Service ids hold slashes (host/kind/asset): the rest of the path is split from its end (AssetActions).
        group.MapPost("/services/{**path}", AssetActions.HandleAsync);
        return group;
    }

    private static Utf8JsonResult ListHosts(RoutingTableHolder routing, TimeProvider time)
    {
        var table = routing.Current;
        var now = UnixTime.Now(time);
        return Utf8JsonResult.Ok(w => ClusterJson.WriteList(w, table.Hosts, (jw, h) => ClusterJson.WriteHost(jw, h, table, now)));
    }

    private static Utf8JsonResult ListServices(RoutingTableHolder routing, LiveStateStore live, TimeProvider time)
    {
        var table = routing.Current;
        var now = UnixTime.Now(time);
        return Utf8JsonResult.Ok(w => ClusterJson.WriteList(w, table.Services, (jw, s) => ClusterJson.WriteService(jw, s, table, live, now)));
    }

    private static Utf8JsonResult ListRoles(RoutingTableHolder routing)
    {
        var table = routing.Current;
        return Utf8JsonResult.Ok(w => ClusterJson.WriteList(w, table.Roles, ClusterJson.WriteRole));
    }

    private static Utf8JsonResult Health(RoutingTableHolder routing, LiveStateStore live, TimeProvider time)
    {
        var table = routing.Current;
        var now = UnixTime.Now(time);
        int online = 0, stale = 0, healthy = 0, routable = 0;
        foreach (var host in table.Hosts)
        {
            if (table.IsStale(host, now))
            {
                stale++;
            }
            else if (host.ReportedState == "online")
            {
                online++;
            }
        }

        foreach (var service in table.Services)
        {
            if (service.State.Health == "healthy")
            {
                healthy++;
            }

            if (EligibilityGates.CommonFailure(table, service, live.Find(service.ServiceId), now) is null)
            {
                routable++;
            }
        }

        return Utf8JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteNumber("host_count", table.Hosts.Length);
            w.WriteNumber("online_host_count", online);
            w.WriteNumber("stale_host_count", stale);
            w.WriteNumber("service_count", table.Services.Length);
            w.WriteNumber("healthy_service_count", healthy);
            w.WriteNumber("routable_service_count", routable);
            w.WriteEndObject();
        });
    }

    private static async Task<IResult> DeleteHostAsync(string hostId, RegistryWriter writer, NodeKeyVault vault, CancellationToken cancellationToken)
    {
        var result = await writer.DeleteHostAsync(hostId, cancellationToken);
        if (result.Error is not null)
        {
            return ErrorWriter.Result(result.Error);
        }

        vault.Forget(hostId);

        return Utf8JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteString("host_id", hostId);
            w.WriteNumber("removed_service_count", result.RemovedServiceCount);
            w.WriteEndObject();
        });
    }

    private static IResult ListBenchmarks(HttpRequest request, RoutingTableHolder routing)
    {
        var query = request.Query;
        string? serviceId = query["service_id"].Count > 0 ? query["service_id"].ToString() : null;
        string? workload = query["workload"].Count > 0 ? query["workload"].ToString() : null;
        int? limit = null;
        if (query["limit"].Count > 0)
        {
            if (!int.TryParse(query["limit"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                || parsed is < 1 or > MaxBenchmarkLimit)
            {
                return ErrorWriter.Result(ApiError.InvalidRequest($"'limit' must be an integer from 1 to {MaxBenchmarkLimit}.", "limit"));
            }

            limit = parsed;
        }

        var samples = Filter(routing.Current, serviceId, workload, limit);
        // The sample table only grows: about 250 bytes per sample.
        return Utf8JsonResult.Ok(w => ClusterJson.WriteList(w, samples, ClusterJson.WriteSample), samples.Count * 250L);
    }

    private static async Task<IResult> IngestBenchmarksAsync(
        HttpContext context, RegistryWriter writer, RoutingTableHolder routing, ControlConfig config)
    {
        var (document, error) = await JsonBody.ReadObjectAsync(context.Request, config.Limits.MaxJsonBodyBytes, context.RequestAborted);
        if (error is not null)
        {
            return ErrorWriter.Result(error);
        }

        List<BenchmarkSample> samples;
        using (document)
        {
            if (BenchmarkPayloadParser.TryParse(document!.RootElement, out var parsed) is { } invalid)
            {
                return ErrorWriter.Result(invalid);
            }

            samples = parsed!;
        }

        var count = await writer.IngestSamplesAsync(samples, context.RequestAborted);
        var stored = routing.Current.Samples;
        return Utf8JsonResult.Ok(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "ok");
            w.WriteNumber("count", count);
            w.WriteStartArray("data");
            foreach (var sample in stored)
            {
                ClusterJson.WriteSample(w, sample);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Exact-match filters over the snapshot's samples (already <c>observed_at</c> desc, <c>benchmark_id</c> asc).</summary>
    public static List<BenchmarkSample> Filter(RoutingTable table, string? serviceId, string? workload, int? limit)
    {
        var result = new List<BenchmarkSample>();
        foreach (var sample in table.Samples)
        {
            if ((serviceId is null || sample.ServiceId == serviceId) && (workload is null || sample.Workload == workload))
            {
                result.Add(sample);
                if (limit is { } max && result.Count >= max)
                {
                    break;
                }
            }
        }

        return result;
    }
}
