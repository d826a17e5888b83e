using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Simulation;

public sealed class SimulatedEmbeddingsAndTranscriptionTests
{
    private const string Yaml = """
        node: { host_id: "sim-host", listen_port: 0 }
        simulated:
          - { id: "embed-a", kind: "embeddings", models: ["bge-small-sim", "other-sim"], dimensions: 16, ttft_ms: 0 }
          - { id: "whisper", kind: "transcription", models: ["whisper-sim"], ttft_ms: 0, transcript: "Hello from the simulator." }
        """;

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");

    private static float[] Floats(JsonElement embedding) => embedding.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    [Fact]
    public async Task Embeddings_are_deterministic_unit_vectors_and_base64_decodes_to_the_same_floats()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("embed-a");

        var first = await (await client.PostAsync("/v1/embeddings", Json("""{"model":"bge-small-sim","input":["alpha","beta"]}"""))).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await client.PostAsync("/v1/embeddings", Json("""{"model":"bge-small-sim","input":"alpha"}"""))).Content.ReadFromJsonAsync<JsonElement>();
        var other = await (await client.PostAsync("/v1/embeddings", Json("""{"model":"other-sim","input":"alpha"}"""))).Content.ReadFromJsonAsync<JsonElement>();
        var b64 = await (await client.PostAsync("/v1/embeddings", Json("""{"model":"bge-small-sim","input":["alpha"],"encoding_format":"base64"}"""))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("list", first.GetProperty("object").GetString());
        var data = first.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal(1, data[1].GetProperty("index").GetInt32());
        var alpha = Floats(data[0].GetProperty("embedding"));
        var beta = Floats(data[1].GetProperty("embedding"));
        Assert.Equal(16, alpha.Length);
        Assert.Equal(1.0, Math.Sqrt(alpha.Sum(v => (double)v * v)), 5);
        Assert.NotEqual(alpha, beta);
        Assert.Equal(alpha, Floats(again.GetProperty("data")[0].GetProperty("embedding")));
        Assert.NotEqual(alpha, Floats(other.GetProperty("data")[0].GetProperty("embedding")));
        var decoded = new float[16];
        Buffer.BlockCopy(Convert.FromBase64String(b64.GetProperty("data")[0].GetProperty("embedding").GetString()!), 0, decoded, 0, 64);
        Assert.Equal(alpha, decoded);
        Assert.True(first.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() >= 2);
        Assert.Equal("bge-small-sim", first.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("json", "application/json")]
    [InlineData("text", "text/plain")]
    public async Task Transcription_takes_multipart_and_answers_json_or_text(string format, string mediaType)
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("whisper");
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent([1, 2, 3, 4]), "file", "clip.wav" },
            { new StringContent("whisper-sim"), "model" },
            { new StringContent(format), "response_format" },
        };

        using var response = await client.PostAsync("/v1/audio/transcriptions", form);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal(format == "json" ? """{"text":"Hello from the simulator."}""" : "Hello from the simulator.", text);
    }

    [Fact]
    public async Task Transcription_without_a_file_or_as_json_is_refused()
    {
        await using var agent = await NodeAgentHost.StartAsync(Yaml);
        using var client = agent.SimulatedClient("whisper");
        using var noFile = new MultipartFormDataContent { { new StringContent("whisper-sim"), "model" } };

        using var missing = await client.PostAsync("/v1/audio/transcriptions", noFile);
        using var json = await client.PostAsync("/v1/audio/transcriptions", Json("""{"model":"whisper-sim"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("file", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
    }
}
