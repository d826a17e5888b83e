using GenieHive.Control.Registry;

namespace GenieHive.Control.Proxy;

/// <summary>
/// A caller's request body kept for re-sending (routing.md "Request bodies, uploads included, are kept for
/// re-sending"): each attempt gets fresh content shaped for its service.
/// </summary>
internal abstract class UpstreamBody : IDisposable
{
    /// <summary>The content of one attempt on <paramref name="service"/>; the request message disposes it.</summary>
    public abstract HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
