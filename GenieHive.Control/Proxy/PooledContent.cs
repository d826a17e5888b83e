using System.Net;
using System.Net.Http.Headers;

namespace GenieHive.Control.Proxy;

/// <summary>An <see cref="HttpContent"/> over bytes in a <see cref="PooledBuffer"/> it owns (returned on dispose).</summary>
internal sealed class PooledContent : HttpContent
{
    private readonly PooledBuffer _buffer;

    public PooledContent(PooledBuffer buffer, string contentType)
    {
        _buffer = buffer;
        Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        await stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = _buffer.Count;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buffer.Dispose();
        }

        base.Dispose(disposing);
    }
}
