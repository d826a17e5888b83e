using System.ClientModel;
using System.Net;
using System.Text;
using GenieHive.Control.Registry;
using GenieHive.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using static GenieHive.Tests.Control.Proxy.ProxyTestKit;

namespace GenieHive.Tests.Control.Proxy;

/// <summary>The official OpenAI .NET library against a running control plane with fake upstreams.</summary>
public sealed class OpenAiSdkTests
{
    [Fact]
    public async Task The_official_sdk_lists_models_chats_streams_embeds_and_transcribes()
    {
        await using var chat = await FakeUpstream.StartAsync(async c =>
        {
            if (c.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal))
            {
                await FakeUpstream.Sse(c, FakeUpstream.Chunk("Hel"), FakeUpstream.Chunk("lo"), FakeUpstream.UsageChunk, FakeUpstream.Done);
            }
            else
            {
                await FakeUpstream.Json(c, 200, FakeUpstream.ChatJson);
            }
        });
        await using var embeddings = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200,
            """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,0.5]}],"model":"minilm","usage":{"prompt_tokens":1,"total_tokens":1}}"""));
        await using var stt = await FakeUpstream.StartAsync(c => FakeUpstream.Json(c, 200, """{"text":"hello from audio"}"""));
        await using var control = await ProxyControlPlane.StartAsync();
        control.Publish([
            TestCluster.Service("gpu/chat", "gpu", chat.Endpoint, Operations.Chat, ["qwen-asset"]),
            TestCluster.Service("gpu/emb", "gpu", embeddings.Endpoint, Operations.Embeddings, ["minilm"]),
            TestCluster.Service("gpu/stt", "gpu", stt.Endpoint, Operations.Transcription, ["whisper"]),
        ]);
        var client = new OpenAIClient(new ApiKeyCredential("unused-in-open-mode"), new OpenAIClientOptions
        {
            Endpoint = new Uri(control.BaseAddress, "/v1"),
        });

        var listed = await client.GetOpenAIModelClient().GetModelsAsync().WaitAsync(Patience);
        var models = listed.Value.Select(m => m.Id).ToList();

        Assert.Contains("qwen-asset", models);
        Assert.Contains("minilm", models);

        var chatClient = client.GetChatClient("qwen-asset");
        ChatCompletion completion = await chatClient.CompleteChatAsync([new UserChatMessage("hi")]);
        Assert.Equal("hi", completion.Content[0].Text);
        Assert.Equal(4, completion.Usage.TotalTokenCount);

        var streamed = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chatClient.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            usage ??= update.Usage;
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal("Hello", streamed.ToString());
        // The SDK asks for stream usage itself, so the usage chunk is the caller's and is relayed.
        Assert.Equal(12, usage?.TotalTokenCount);

        var embedding = await client.GetEmbeddingClient("minilm").GenerateEmbeddingAsync("text");
        Assert.Equal([0.25f, 0.5f], embedding.Value.ToFloats().ToArray());

        using var audio = new MemoryStream(new byte[4096]);
        var transcription = await client.GetAudioClient("whisper").TranscribeAudioAsync(audio, "clip.wav");
        Assert.Equal("hello from audio", transcription.Value.Text);
        Assert.Contains("name=\"model\"", Assert.Single(stt.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_routes_require_the_client_key_when_keys_are_configured()
    {
        await using var control = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(sqlitePath: ":memory:"));
        using var anonymous = control.Client(clientKey: null);
        using var keyed = control.BearerClient(ControlPlaneHost.ClientKey);

        using var wrong = control.BearerClient("not-the-client-key");
        foreach (var path in new[] { "/v1/chat/completions", "/v1/embeddings", "/v1/audio/transcriptions" })
        {
            foreach (var client in new[] { anonymous, wrong })
            {
                using var refused = await client.PostAsync(path, JsonBody("""{"model":"x"}"""));
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal("unauthorized", (await ErrorOf(refused)).GetProperty("code").GetString());
            }
        }

        using var admitted = await keyed.PostAsync("/v1/embeddings", JsonBody("""{"model":"x"}"""));
        Assert.Equal(HttpStatusCode.NotFound, admitted.StatusCode);
        Assert.Equal("model_not_found", (await ErrorOf(admitted)).GetProperty("code").GetString());
    }
}
