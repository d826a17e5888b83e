using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Proxy;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.Tests.Control.Routing;

namespace GenieHive.Tests.Control.Proxy;

/// <summary>
/// The plain chat path (caller's bytes, <c>model</c> spliced, stream usage appended) sends the same JSON as the
/// <see cref="JsonObject"/> path, and every body it does not take falls back to that path.
/// </summary>
public sealed class PlainChatBodyTests
{
    private static readonly ServiceRecord Llama = new RoutingFixture().Service("h1/chat", "h1", assets: ["llama-3-8b"]);
    private static readonly ServiceRecord Qwen = new RoutingFixture().Service("h1/qwen", "h1", assets: ["qwen3-8b"]);

    [Theory]
    [InlineData("""{"model":"llama-3-8b","messages":[{"role":"user","content":"hi"}]}""", false)]
    [InlineData("""{ "model" : "llama-3-8b" , "stream" : true, "messages": [ ], "max_tokens": 20 }  """, true)]
    [InlineData("""{"stream":true,"model":"llama-3-8b"}""", true)]
    [InlineData("""{"model":"llama\u002d3-8b","stream":null,"x":{"model":1,"stream_options":{}},"t":"\u00e9<>"}""", true)]
    [InlineData("""{"model":"llama-3-8b","stream":false,"n":1.50}""", true)]
    public void Plain_bodies_forward_the_json_of_the_object_path(string json, bool inject)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.True(ClientJson.TryScanChat(bytes, out var scan));
        var (body, error) = ClientJson.ParseObject(bytes);
        Assert.Null(error);
        var (model, stream, _) = ClientJson.ReadModelAndStream(body!);
        Assert.Equal(model, scan.Model);
        Assert.Equal(stream, scan.Stream);
        var route = new RouteResolution { Service = Llama, AttemptOrder = [Llama] };

        var expected = Send(new ChatUpstreamBody(body!, model!, route), Llama, inject);
        var buffer = new PooledBuffer(bytes.Length);
        buffer.Write(bytes);
        var actual = Send(new ChatUpstreamBody(buffer, scan, route), Llama, inject);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"{expected} != {actual}");
        Assert.Equal(Keys(expected), Keys(actual));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"model":""}""")]
    [InlineData("""{"model":5}""")]
    [InlineData("""{"model":"m","stream":"yes"}""")]
    [InlineData("""{"model":"m","stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"m","model":"n"}""")]
    [InlineData("""{"model":"m","\u0078":1,"x":2}""")]
    [InlineData("""{"model":"m"} trailing""")]
    public void Other_bodies_take_the_object_path(string json) =>
        Assert.False(ClientJson.TryScanChat(Encoding.UTF8.GetBytes(json), out _));

    [Fact]
    public void A_service_with_a_request_policy_gets_the_object_path_result()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"model":"qwen3-8b", "messages":[]}""");
        Assert.True(ClientJson.TryScanChat(bytes, out var scan));
        var buffer = new PooledBuffer(bytes.Length);
        buffer.Write(bytes);
        var route = new RouteResolution { Service = Qwen, AttemptOrder = [Qwen] };

        var sent = Send(new ChatUpstreamBody(buffer, scan, route), Qwen, inject: false);

        Assert.Equal("""{"model":"qwen3-8b","messages":[],"chat_template_kwargs":{"enable_thinking":false}}""", sent);
    }

    private static string Send(ChatUpstreamBody body, ServiceRecord service, bool inject)
    {
        using (body)
        {
            using var content = body.CreateContent(service, inject);
            return content.ReadAsStringAsync().GetAwaiter().GetResult();
        }
    }

    private static string Keys(string json) =>
        string.Join(",", JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name));
}
