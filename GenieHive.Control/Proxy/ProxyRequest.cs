using GenieHive.Control.Routing;

namespace GenieHive.Control.Proxy;

/// <summary>One client request on its way upstream: resolved once (D3), its body kept for every attempt.</summary>
internal sealed class ProxyRequest
{
    /// <summary><c>chat</c>, <c>embeddings</c> or <c>transcription</c>.</summary>
    public required string Operation { get; init; }

    /// <summary>Path appended to the service endpoint, e.g. <c>/v1/chat/completions</c>.</summary>
    public required string UpstreamPath { get; init; }

    public required string RequestedModel { get; init; }

    public required RouteResolution Route { get; init; }

    public required UpstreamBody Body { get; init; }

    public bool Stream { get; init; }

    /// <summary>The caller sent <c>stream_options.include_usage: true</c>, so the usage chunk is theirs to see.</summary>
    public bool CallerAskedUsage { get; init; }
}
