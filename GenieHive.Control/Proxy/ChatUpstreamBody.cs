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
/// <para>
/// A plain body (<see cref="ClientJson.TryScanChat"/>) is kept as the caller's bytes instead. An attempt whose
/// request policy has nothing to add (<see cref="RequestPolicyApplier.OnlyModelAndStreamUsage"/>) gets those bytes
/// with the top-level <c>model</c> token replaced by the upstream model id and, when step 7 injects stream usage,
/// <c>"stream_options":{"include_usage":true}</c> appended as the last member: the JSON the object path writes,
/// without a DOM. Any other attempt parses the bytes once and takes the object path.
/// </para>
/// </summary>
internal sealed class ChatUpstreamBody : UpstreamBody
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly string _requestedModel;
    private readonly RouteResolution _route;
    private readonly PooledBuffer? _raw;
    private readonly ChatScan _scan;
    private JsonObject? _original;

    public ChatUpstreamBody(JsonObject original, string requestedModel, RouteResolution route)
    {
        _original = original;
        _requestedModel = requestedModel;
        _route = route;
    }

    /// <summary>A plain body: <paramref name="raw"/> (owned, returned on dispose) as <paramref name="scan"/> found it.</summary>
    public ChatUpstreamBody(PooledBuffer raw, ChatScan scan, RouteResolution route)
    {
        _raw = raw;
        _scan = scan;
        _requestedModel = scan.Model;
        _route = route;
    }

    public override HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage)
    {
        if (_raw is not null && RequestPolicyApplier.OnlyModelAndStreamUsage(_route.Role, service, _requestedModel))
        {
            return Splice(_raw.WrittenSpan, service, injectStreamUsage);
        }

        _original ??= ClientJson.ParseObject(_raw!.WrittenSpan).Body!;
        var shaped = RequestPolicyApplier.Apply(_original, _route.Role, service, _requestedModel, injectStreamUsage);
        var buffer = new PooledBuffer(8 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            shaped.Body.WriteTo(writer);
        }

        return new PooledContent(buffer, "application/json");
    }

    private static ReadOnlySpan<byte> StreamUsageMember => ",\"stream_options\":{\"include_usage\":true}"u8;

    private PooledContent Splice(ReadOnlySpan<byte> source, ServiceRecord service, bool injectStreamUsage)
    {
        // Step 7 runs for chat services on a streaming body; a plain body has no stream_options to amend.
        var addUsage = injectStreamUsage && _scan.Stream && service.Kind == Operations.Chat;
        var model = JsonEncodedText.Encode(UpstreamModel.IdFor(service, _requestedModel), WriterOptions.Encoder);
        var buffer = new PooledBuffer(source.Length + model.EncodedUtf8Bytes.Length + StreamUsageMember.Length + 2);
        buffer.Write(source[.._scan.ModelStart]);
        buffer.Write("\""u8);
        buffer.Write(model.EncodedUtf8Bytes);
        buffer.Write("\""u8);
        if (addUsage)
        {
            buffer.Write(source[_scan.ModelEnd.._scan.ObjectEnd]);
            buffer.Write(StreamUsageMember);
            buffer.Write(source[_scan.ObjectEnd..]);
        }
        else
        {
            buffer.Write(source[_scan.ModelEnd..]);
        }

        return new PooledContent(buffer, "application/json");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _raw?.Dispose();
        }

        base.Dispose(disposing);
    }
}
