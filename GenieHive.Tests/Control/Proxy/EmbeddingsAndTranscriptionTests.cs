using System.Net;
using System.Net.Http.Headers;
using System.Text;
using GenieHive.Control.Registry;
using GenieHive.Tests.Support;
using static GenieHive.Tests.Control.Proxy.ProxyTestKit;

namespace GenieHive.Tests.Control.Proxy;

public sealed class EmbeddingsAndTranscriptionTests
{
    [Fact]
    public async Task Embeddings_forward_the_body_unchanged_but_for_model_and_relay_the_answer_unchanged()
    {
        const string answer = "{\"object\":\"list\",\"data\":[{\"embedding\":[0.5]}],\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";
        await using var upstream = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, answer, "application/json; charset=utf-8"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([TestCluster.Service("h/emb", "h", upstream.Endpoint, Operations.Embeddings, ["minilm-asset"])]);
        using var client = control.CreateClient();

        using var response = await client.PostAsync("/v1/embeddings",
            JsonBody("{\"input\": [\"caf\\u00e9\", \"x\"] , \"model\":\"h/emb\",\"dimensions\":3}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(answer, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/json; charset=utf-8", MediaType(response).ToString());
        Assert.Equal("h/emb", Header(response, "X-GenieHive-Service-Id"));
        Assert.Equal("{\"input\": [\"caf\\u00e9\", \"x\"] , \"model\":\"minilm-asset\",\"dimensions\":3}", Assert.Single(upstream.Requests).Body);
    }

    [Fact]
    public async Task Embeddings_without_a_model_are_400_naming_it()
    {
        await using var control = await ProxyControlPlane.StartAsync();
        using var client = control.CreateClient();

        using var response = await client.PostAsync("/v1/embeddings", JsonBody("{\"input\":\"x\"}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model", (await ErrorOf(response)).GetProperty("param").GetString());
    }

    private static MultipartFormDataContent Upload(bool modelFirst, byte[] audio, string? temperature = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        if (modelFirst)
        {
            form.Add(new StringContent("whisper"), "model");
        }

        form.Add(file, "file", "clip.wav");
        form.Add(new StringContent("text"), "response_format");
        form.Add(new StringContent("dropped"), "unknown_part");
        if (!modelFirst)
        {
            form.Add(new StringContent("whisper"), "model");
        }

        if (temperature is not null)
        {
            form.Add(new StringContent(temperature), "temperature");
        }

        return form;
    }

    [Fact]
    public async Task Transcription_with_model_after_file_is_spooled_forwarded_in_order_and_the_text_answer_relayed()
    {
        await using var upstream = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, "hello world\n", "text/plain; charset=utf-8"));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([TestCluster.Service("whisper", "h", upstream.Endpoint, Operations.Transcription, ["whisper-small"])]);
        using var client = control.CreateClient();
        var audio = Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 31)).ToArray();

        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(modelFirst: false, audio, "0.2"));

        Assert.Equal("hello world\n", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", MediaType(response).ToString());
        var sent = Assert.Single(upstream.Requests);
        Assert.StartsWith("multipart/form-data; boundary=", sent.ContentType, StringComparison.Ordinal);
        var body = sent.Body;
        var file = body.IndexOf("name=\"file\"; filename=\"clip.wav\"", StringComparison.Ordinal);
        var format = body.IndexOf("name=\"response_format\"", StringComparison.Ordinal);
        var model = body.IndexOf("name=\"model\"\r\n\r\nwhisper-small\r\n", StringComparison.Ordinal);
        var temperature = body.IndexOf("name=\"temperature\"\r\n\r\n0.2\r\n", StringComparison.Ordinal);
        Assert.True(file >= 0 && file < format && format < model && model < temperature, body[..Math.Min(body.Length, 300)]);
        Assert.DoesNotContain("unknown_part", body, StringComparison.Ordinal);
        Assert.Contains("Content-Type: audio/wav", body, StringComparison.Ordinal);
        Assert.True(sent.BodyLength > audio.Length);
    }

    [Fact]
    public async Task Transcription_failover_re_sends_the_whole_upload()
    {
        await using var broken = await FakeUpstream.StartAsync(c => FakeUpstream.Error(c, 500, "gpu fell off"));
        await using var healthy = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, "{\"text\":\"ok\"}"));
        broken.CountBodyOnly = true;
        healthy.CountBodyOnly = true;
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([
            TestCluster.Service("a/stt", "a", broken.Endpoint, Operations.Transcription, ["whisper"]),
            TestCluster.Service("b/stt", "b", healthy.Endpoint, Operations.Transcription, ["whisper"]),
        ]);
        using var client = control.CreateClient();

        using var response = await client.PostAsync("/v1/audio/transcriptions", Upload(modelFirst: true, new byte[2 << 20]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("b/stt", Header(response, "X-GenieHive-Service-Id"));
        Assert.Equal(Assert.Single(broken.Requests).BodyLength, Assert.Single(healthy.Requests).BodyLength);
        Assert.True(healthy.Requests.Single().BodyLength > 2 << 20);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("model")]
    [InlineData("temperature")]
    public async Task Transcription_parts_are_validated_by_name(string param)
    {
        await using var control = await ProxyControlPlane.StartAsync();
        using var client = control.CreateClient();
        var form = new MultipartFormDataContent();
        if (param != "file")
        {
            form.Add(new ByteArrayContent([1, 2, 3]), "file", "a.wav");
        }

        if (param != "model")
        {
            form.Add(new StringContent("whisper"), "model");
        }

        if (param == "temperature")
        {
            form.Add(new StringContent("warm"), "temperature");
        }

        using var response = await client.PostAsync("/v1/audio/transcriptions", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ErrorOf(response);
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Transcription_of_json_is_415()
    {
        await using var control = await ProxyControlPlane.StartAsync();
        using var client = control.CreateClient();

        using var response = await client.PostAsync("/v1/audio/transcriptions", JsonBody("{\"model\":\"whisper\"}"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await ErrorOf(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Transcription_over_the_multipart_limit_is_413_and_nothing_is_forwarded()
    {
        await using var upstream = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, "{}"));
        await using var control = await ProxyControlPlane.StartAsync(limits: "max_multipart_body_bytes: 65536");
        control.Publish([TestCluster.Service("h/stt", "h", upstream.Endpoint, Operations.Transcription, ["whisper"])]);
        using var client = control.CreateClient();

        using var declared = await client.PostAsync("/v1/audio/transcriptions", Upload(modelFirst: true, new byte[256 * 1024]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/transcriptions")
        {
            Content = Upload(modelFirst: true, new byte[256 * 1024]),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Content.Headers.ContentLength = null;
        using var counted = await client.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, counted.StatusCode);
        Assert.Equal("payload_too_large", (await ErrorOf(counted)).GetProperty("code").GetString());
        Assert.Empty(upstream.Requests);
    }
}

[CollectionDefinition(nameof(MemoryMeasurement), DisableParallelization = true)]
public sealed class MemoryMeasurement;

/// <summary>
/// Runs alone (its collection disables parallelization) so the process-wide allocation counter measures this
/// request only. Method: <see cref="GC.GetTotalAllocatedBytes(bool)"/> (precise) before and after one 50 MB upload
/// relayed through the control plane to a fake that counts bytes without keeping them, the client streaming the
/// body from a 64 KiB buffer. Total bytes allocated by the process bound its memory growth from above, so staying
/// under 20 MB shows the upload was never held whole (the spool keeps at most 1 MiB in memory, the rest on disk).
/// </summary>
[Collection(nameof(MemoryMeasurement))]
public sealed class TranscriptionMemoryTests
{
    private const long UploadBytes = 50L * 1000 * 1000;

    [Fact]
    public async Task Fifty_megabyte_upload_is_relayed_without_the_process_allocating_20_megabytes()
    {
        await using var upstream = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, "{\"text\":\"ok\"}"));
        upstream.CountBodyOnly = true;
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([TestCluster.Service("h/stt", "h", upstream.Endpoint, Operations.Transcription, ["whisper"])]);
        using var client = control.CreateClient();

        // Warm up connections, JIT and pools with a small upload first.
        using (var warm = await client.PostAsync("/v1/audio/transcriptions", Form(new GeneratedContent(2 << 20))))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        using var response = await client.PostAsync("/v1/audio/transcriptions", Form(new GeneratedContent(UploadBytes)));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var grown = GC.GetTotalMemory(forceFullCollection: false) - memoryBefore;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(upstream.Requests.Last().BodyLength > UploadBytes);
        Assert.True(allocated < 20L << 20, $"allocated {allocated / 1024 / 1024} MiB");
        Assert.True(grown < 20L << 20, $"grew {grown / 1024 / 1024} MiB");
    }

    private static MultipartFormDataContent Form(HttpContent file)
    {
        var form = new MultipartFormDataContent();
        form.Add(file, "file", "big.wav");
        form.Add(new StringContent("whisper"), "model");
        return form;
    }

    /// <summary>An upload body produced on the fly from one small buffer, with a known length.</summary>
    private sealed class GeneratedContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'a');
            for (var left = length; left > 0; left -= chunk.Length)
            {
                await stream.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)));
            }
        }

        protected override bool TryComputeLength(out long result)
        {
            result = length;
            return true;
        }
    }
}
