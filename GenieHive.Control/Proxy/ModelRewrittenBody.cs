using System.Text.Encodings.Web;
using System.Text.Json;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Proxy;

/// <summary>
/// An embeddings body: forwarded as the caller sent it, only the top-level <c>model</c> string token replaced by
/// the upstream model id (api.md §2.3). No DOM: the caller's bytes before and after that token are copied.
/// </summary>
internal sealed class ModelRewrittenBody(PooledBuffer original, int modelStart, int modelEnd, string requestedModel) : UpstreamBody
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    public override HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage)
    {
        var model = JsonEncodedText.Encode(UpstreamModel.IdFor(service, requestedModel), Encoder);
        var source = original.WrittenSpan;
        var buffer = new PooledBuffer(source.Length + model.EncodedUtf8Bytes.Length + 2);
        buffer.Write(source[..modelStart]);
        buffer.Write("\""u8);
        buffer.Write(model.EncodedUtf8Bytes);
        buffer.Write("\""u8);
        buffer.Write(source[modelEnd..]);
        return new PooledContent(buffer, "application/json");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            original.Dispose();
        }

        base.Dispose(disposing);
    }
}
