using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Proxy;

/// <summary>
/// A chat body, rebuilt from the caller's original on every attempt (routing.md "Request policy": S, A and the
/// model id change with the service): request policy, then <c>model</c> := upstream model id, then step 7's
/// <c>stream_options.include_usage</c> when the attempt injects it.
/// </summary>
internal sealed class ChatUpstreamBody(JsonObject original, string requestedModel, RouteResolution route) : UpstreamBody
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public JsonObject Original { get; } = original;

    public RouteResolution Route { get; } = route;

    public override HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage)
    {
        var body = (JsonObject)Original.DeepClone();
        ApplyPolicy(body, service);
        body["model"] = UpstreamModelId.For(service, requestedModel);
        if (injectStreamUsage)
        {
            if (body["stream_options"] is JsonObject options)
            {
                options["include_usage"] = true;
            }
            else
            {
                body["stream_options"] = new JsonObject { ["include_usage"] = true };
            }
        }

        var buffer = new PooledBuffer(8 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            body.WriteTo(writer);
        }

        return new PooledContent(buffer, "application/json");
    }

    private void ApplyPolicy(JsonObject body, ServiceRecord service)
    {
        // Request-policy steps 1–5 (routing.md) are the routing feature's; wired in when it lands.
        _ = body;
        _ = service;
        _ = Route;
    }
}
