using System.Text;
using BenchmarkDotNet.Attributes;
using GenieHive.Benchmarks.Routing;
using GenieHive.Control.Auth;
using GenieHive.Control.Proxy;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.RequestIds;

namespace GenieHive.Benchmarks.Proxy;

/// <summary>
/// The per-request pieces of a proxied chat request before the upstream send: reading the body's routing fields
/// and building the upstream body (the caller's bytes spliced, or the JSON object path), the request id, the
/// client-key check. Direct route to a service with no request policy (the plain case).
/// </summary>
[MemoryDiagnoser]
public class ChatRequestBenchmarks
{
    private static readonly byte[] Chat = Encoding.UTF8.GetBytes(
        """{"model":"llama-model-0","messages":[{"role":"system","content":"Be concise."},{"role":"user","content":"Say hello in five words."}],"max_tokens":20,"temperature":0.7}""");

    private static readonly byte[] ChatStream = Encoding.UTF8.GetBytes(
        """{"model":"llama-model-0","stream":true,"messages":[{"role":"user","content":"Count to twenty."}],"max_tokens":20}""");

    private ServiceRecord _service = null!;
    private RouteResolution _route = null!;
    private KeyDigestSet _keys = null!;

    [GlobalSetup]
    public void Setup()
    {
        var table = RoutingBenchmarkCluster.Create(10, Strategies.Scored);
        _service = table.Services.First(s => RequestPolicyApplier.OnlyModelAndStreamUsage(null, s, s.Assets[0].AssetId));
        _route = new RouteResolution { Service = _service, AttemptOrder = [_service], Operation = Operations.Chat };
        _keys = new KeyDigestSet(["sk-client-one-0123456789abcdef", "sk-client-two-0123456789abcdef"]);
    }

    /// <summary>Before: parse into a <c>JsonObject</c>, read model and stream, deep-copy, apply policy, serialise.</summary>
    [Benchmark(Baseline = true)]
    public long ObjectPath()
    {
        var (body, _) = ClientJson.ParseObject(Chat);
        var (model, _, _) = ClientJson.ReadModelAndStream(body!);
        using var upstream = new ChatUpstreamBody(body!, model!, _route);
        using var content = upstream.CreateContent(_service, injectStreamUsage: false);
        return content.Headers.ContentLength ?? 0;
    }

    /// <summary>After: one reader pass, then the caller's bytes with <c>model</c> replaced.</summary>
    [Benchmark]
    public long PlainPath()
    {
        var buffer = new PooledBuffer(Chat.Length);
        buffer.Write(Chat);
        ClientJson.TryScanChat(buffer.WrittenSpan, out var scan);
        using var upstream = new ChatUpstreamBody(buffer, scan, _route);
        using var content = upstream.CreateContent(_service, injectStreamUsage: false);
        return content.Headers.ContentLength ?? 0;
    }

    /// <summary>Streaming body with step 7 (stream usage injected), object path.</summary>
    [Benchmark]
    public long ObjectPathStreamUsage()
    {
        var (body, _) = ClientJson.ParseObject(ChatStream);
        var (model, _, _) = ClientJson.ReadModelAndStream(body!);
        using var upstream = new ChatUpstreamBody(body!, model!, _route);
        using var content = upstream.CreateContent(_service, injectStreamUsage: true);
        return content.Headers.ContentLength ?? 0;
    }

    /// <summary>Streaming body with step 7, spliced.</summary>
    [Benchmark]
    public long PlainPathStreamUsage()
    {
        var buffer = new PooledBuffer(ChatStream.Length);
        buffer.Write(ChatStream);
        ClientJson.TryScanChat(buffer.WrittenSpan, out var scan);
        using var upstream = new ChatUpstreamBody(buffer, scan, _route);
        using var content = upstream.CreateContent(_service, injectStreamUsage: true);
        return content.Headers.ContentLength ?? 0;
    }

    [Benchmark]
    public string RequestId() => RequestIdMiddleware.NewId();

    [Benchmark]
    public bool ClientKey() => _keys.Matches("sk-client-two-0123456789abcdef");
}
