using GenieHive.Control.Auth;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Models;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{id}</c> (api.md §2.1; the id may contain <c>/</c>).</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models");
        group.MapGet("", List).RequireClientKey();
        group.MapGet("/{**id}", Get).RequireClientKey();
        return group;
    }

    internal static IResult List(RoutingTableHolder tables, ModelCatalog catalog)
    {
        var table = tables.Current;
        var entries = catalog.List(table);
        return RoutingJson.Result(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var entry in entries)
            {
                ModelCatalog.Write(writer, table, entry);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    internal static IResult Get(string id, RoutingTableHolder tables, ModelCatalog catalog)
    {
        var table = tables.Current;
        var entry = catalog.Find(table, id);
        return entry is null
            ? ErrorWriter.Result(RouteErrors.ModelNotFound(id))
            : RoutingJson.Result(writer => ModelCatalog.Write(writer, table, entry));
    }
}
