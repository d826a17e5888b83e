using System.Net;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>Real all-MiniLM-L6-v2 sentence embeddings, from the model the package carries.</summary>
public sealed class MiniLmRuntimeTests(RuntimeAgent runtime) : IClassFixture<RuntimeAgent>
{
    private async Task<JsonElement> EmbedAsync(string body)
    {
        using var client = runtime.Client("all-minilm-l6-v2");
        using var response = await client.PostAsync("/v1/embeddings", RuntimeAgent.Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static float[] Vector(JsonElement item) => item.GetProperty("embedding").ValueKind == JsonValueKind.String
        ? FromBase64(item.GetProperty("embedding").GetString()!)
        : item.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    private static float[] FromBase64(string text)
    {
        var bytes = Convert.FromBase64String(text);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public async Task The_endpoint_serves_under_a_server_span_whose_parent_is_the_callers_traceparent()
    {
        using var spans = new SpanRecorder(GenieHive.NodeAgent.Telemetry.NodeTelemetry.SourceName);
        var endpoint = new Uri(runtime.Service("all-minilm-l6-v2").Endpoint.Url);
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom();
        var parent = System.Diagnostics.ActivitySpanId.CreateRandom();

        var (status, body) = await RawHttp.SendAsync(endpoint, "POST", "/v1/embeddings",
            $"traceparent: 00-{traceId.ToHexString()}-{parent.ToHexString()}-01\r\n", """{"model":"all-minilm-l6-v2","input":"trace me"}""");

        Assert.True(status.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), status + body);
        var span = Assert.Single(spans.OfTrace(traceId));
        Assert.Equal(System.Diagnostics.ActivityKind.Server, span.Kind);
        Assert.Equal(parent, span.ParentSpanId);
        Assert.Equal("POST /v1/embeddings", span.DisplayName);
        Assert.Equal("minilm", span.GetTagItem("geniehive.engine"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
    }

    [Fact]
    public async Task MiniLm_places_a_cat_nearer_a_kitten_than_the_stock_market()
    {
        var result = await EmbedAsync("""
            {"model":"all-minilm-l6-v2","input":["a cat sat on the mat","a kitten rested on the rug","stock markets fell sharply today"]}
            """);

        var data = result.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], data.Select(d => d.GetProperty("index").GetInt32()));
        Assert.All(data, d => Assert.Equal("embedding", d.GetProperty("object").GetString()));
        var vectors = data.Select(Vector).ToList();
        Assert.All(vectors, v => Assert.Equal(384, v.Length));
        var kitten = Cosine(vectors[0], vectors[1]);
        var market = Cosine(vectors[0], vectors[2]);
        Assert.True(kitten > 0.4, $"cos(cat, kitten) = {kitten}");
        Assert.True(kitten > market + 0.3, $"cos(cat, kitten) = {kitten}, cos(cat, market) = {market}");
        Assert.Equal("all-minilm-l6-v2", result.GetProperty("model").GetString());
        var usage = result.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() >= 15);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task The_same_input_gives_the_same_unit_vector_in_float_and_in_base64()
    {
        var asFloat = Vector((await EmbedAsync("""{"model":"all-minilm-l6-v2","input":"the same sentence"}""")).GetProperty("data")[0]);
        var again = Vector((await EmbedAsync("""{"model":"all-minilm-l6-v2","input":["the same sentence"],"encoding_format":"float"}""")).GetProperty("data")[0]);
        var asBase64 = Vector((await EmbedAsync("""{"model":"all-minilm-l6-v2","input":"the same sentence","encoding_format":"base64"}""")).GetProperty("data")[0]);

        Assert.Equal(asFloat, again);
        Assert.Equal(384, asBase64.Length);
        for (var i = 0; i < asFloat.Length; i++)
        {
            // JSON numbers round-trip float32 exactly; base64 carries the bits themselves.
            Assert.Equal(asFloat[i], asBase64[i]);
        }

        Assert.Equal(1.0, Math.Sqrt(asFloat.Sum(v => (double)v * v)), 4);
    }

    [Fact]
    public async Task Token_arrays_and_bad_formats_are_refused_naming_the_field()
    {
        using var client = runtime.Client("all-minilm-l6-v2");
        using var tokens = await client.PostAsync("/v1/embeddings", RuntimeAgent.Json("""{"model":"all-minilm-l6-v2","input":[[1,2,3]]}"""));
        using var format = await client.PostAsync("/v1/embeddings", RuntimeAgent.Json("""{"model":"all-minilm-l6-v2","input":"x","encoding_format":"int8"}"""));
        using var chat = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json("""{"model":"all-minilm-l6-v2","messages":[]}"""));

        Assert.Equal("input", JsonDocument.Parse(await tokens.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("encoding_format", JsonDocument.Parse(await format.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
    }
}
