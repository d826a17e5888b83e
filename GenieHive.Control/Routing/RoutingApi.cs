using System.Text.Json;
using GenieHive.Control.Auth;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Routing;

/// <summary>
/// <c>GET /v1/cluster/routes/resolve</c> (api.md §4.3) and <c>POST /v1/cluster/routes/match</c> (§4.4). Both
/// resolve in peek mode: nothing here moves round-robin counters (D3).
/// </summary>
public static class RoutingApi
{
    private const int MaxDepth = 64;

    public static RouteGroupBuilder MapRoutingApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/cluster/routes");
        group.MapGet("/resolve", Resolve).RequireClientKey();
        group.MapPost("/match", Match).RequireClientKey();
        return group;
    }

    internal static IResult Resolve(
        HttpContext context, RoutingTableHolder tables, RouteResolver resolver, LiveStateStore live)
    {
        var query = context.Request.Query;
        var model = query["model"].ToString();
        if (string.IsNullOrWhiteSpace(model))
        {
            return ErrorWriter.Result(ApiError.InvalidRequest("Missing 'model' query parameter.", "model"));
        }

        var kind = query["kind"].ToString();
        if (kind.Length > 0 && !Operations.IsKnown(kind))
        {
            return ErrorWriter.Result(ApiError.InvalidRequest($"Unknown kind '{kind}'; expected chat, embeddings or transcription.", "kind"));
        }

        var explainText = query["explain"].ToString();
        if (explainText.Length > 0 && explainText is not ("true" or "false"))
        {
            return ErrorWriter.Result(ApiError.InvalidRequest("'explain' must be true or false.", "explain"));
        }

        var table = tables.Current;
        var operation = kind.Length > 0 ? kind : null;
        RouteResolution resolution;
        RouteExplain? explain = null;
        if (explainText == "true")
        {
            (resolution, explain) = resolver.Explain(table, model, operation);
        }
        else
        {
            resolution = resolver.Resolve(table, model, operation, ResolveMode.Peek);
        }

        if (resolution.Error is { } error)
        {
            if (resolution.RetryAfterSeconds is { } retry)
            {
                context.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return ErrorWriter.Result(error);
        }

        var now = resolver.Now();
        return RoutingJson.Result(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("status", "ok");
            writer.WritePropertyName("resolution");
            RoutingJson.WriteResolution(writer, table, resolution, live, now);
            if (explain is not null)
            {
                writer.WritePropertyName("explain");
                RoutingJson.WriteExplain(writer, explain);
            }

            writer.WriteEndObject();
        });
    }

    internal static async Task<IResult> Match(
        HttpContext context, RoutingTableHolder tables, RouteMatcher matcher, RouteResolver resolver, LiveStateStore live)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, new JsonDocumentOptions { MaxDepth = MaxDepth }, context.RequestAborted);
        }
        catch (JsonException)
        {
            return ErrorWriter.Result(ApiError.InvalidJson("Request body is not valid JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return ErrorWriter.Result(ApiError.InvalidJson("Request body must be a JSON object."));
            }

            var request = RouteMatcher.Parse(document.RootElement, out var error);
            if (request is null)
            {
                return ErrorWriter.Result(error!);
            }

            var table = tables.Current;
            var candidates = matcher.Match(table, request);
            var now = resolver.Now();
            return RoutingJson.Result(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("status", "ok");
                writer.WriteNumber("task_count", request.Tasks.Length);
                RoutingJson.WriteStrings(writer, "tasks", request.Tasks);
                RoutingJson.WriteStrings(writer, "workloads", request.Workloads);
                RoutingJson.WriteNullableString(writer, "kind", request.Kind);
                RoutingJson.WriteNullableString(writer, "modality", request.Modality);
                writer.WriteStartArray("candidates");
                foreach (var candidate in candidates)
                {
                    writer.WriteStartObject();
                    writer.WriteString("candidate_type", candidate.CandidateType);
                    writer.WriteString("candidate_id", candidate.CandidateId);
                    writer.WriteString("operation", candidate.Operation);
                    writer.WriteNumber("score", candidate.Score);
                    RoutingJson.WriteStrings(writer, "reasons", candidate.Reasons);
                    writer.WritePropertyName("signals");
                    candidate.Signals.WriteTo(writer);
                    writer.WritePropertyName("role");
                    if (candidate.Role is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        RoutingJson.WriteRole(writer, candidate.Role);
                    }

                    writer.WritePropertyName("service");
                    if (candidate.Service is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        RoutingJson.WriteService(writer, table, candidate.Service, live, now);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }
    }
}
