using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Proxy;

/// <summary>
/// A chat body, shaped again from the caller's original on every attempt by <see cref="RequestPolicyApplier"/>
/// (routing.md "Request policy": the service, target asset and model id change with the attempt), then
/// serialised compactly into a pooled buffer.
/// </summary>
internal sealed class ChatUpstreamBody(JsonObject original, string requestedModel, RouteResolution route) : UpstreamBody
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public override HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage)
    {
        var shaped = RequestPolicyApplier.Apply(original, route.Role, service, requestedModel, injectStreamUsage);
        var buffer = new PooledBuffer(8 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            shaped.Body.WriteTo(writer);
        }

        return new PooledContent(buffer, "application/json");
    }
}
