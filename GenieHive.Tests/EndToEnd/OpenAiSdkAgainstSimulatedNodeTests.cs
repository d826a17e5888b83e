using System.ClientModel;
using System.Text;
using GenieHive.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace GenieHive.Tests.EndToEnd;

/// <summary>
/// The official OpenAI .NET library, unmodified, against a real control plane and a real node agent whose simulated
/// servers registered over the node protocol (no hand-built routing table).
/// </summary>
public sealed class OpenAiSdkAgainstSimulatedNodeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Models_chat_streaming_embeddings_and_transcription_work_through_the_sdk()
    {
        await using var control = await ControlPlaneHost.StartAsync(ControlPlaneHost.Yaml(sqlitePath: ":memory:"));
        await using var node = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "sdk-node" }
            control_plane: { base_url: "{{control.Kestrel.BaseAddress.ToString().TrimEnd('/')}}", node_api_key: "{{ControlPlaneHost.NodeKey}}", heartbeat_interval_s: 0.2 }
            simulated:
              - { id: "chat", kind: "chat", models: ["qwen3-8b-sim"], ttft_ms: 5, tokens_per_s: 0, completion_tokens: 6 }
              - { id: "embed", kind: "embeddings", models: ["bge-small-sim"], ttft_ms: 0, dimensions: 64 }
              - { id: "stt", kind: "transcription", models: ["whisper-sim"], ttft_ms: 0, transcript: "hello from the simulated node" }
            """);
        var client = new OpenAIClient(new ApiKeyCredential(ControlPlaneHost.ClientKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(control.Kestrel.BaseAddress, "/v1"),
        });

        // Registration is asynchronous: wait until the three simulated models are listed.
        var models = new List<string>();
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            models = [.. (await client.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id)];
            if (models.Contains("qwen3-8b-sim") && models.Contains("bge-small-sim") && models.Contains("whisper-sim"))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Contains("sdk-node/chat/chat", models);
        Assert.Contains("whisper-sim", models);

        var chat = client.GetChatClient("qwen3-8b-sim");
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hi")]);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(6, completion.Usage.OutputTokenCount);

        var streamed = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            usage ??= update.Usage;
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
            }
        }

        Assert.Equal(completion.Content[0].Text, streamed.ToString());
        Assert.Equal(6, usage?.OutputTokenCount);

        var embeddings = client.GetEmbeddingClient("bge-small-sim");
        var first = (await embeddings.GenerateEmbeddingAsync("a cat sat on the mat")).Value.ToFloats().ToArray();
        var again = (await embeddings.GenerateEmbeddingAsync("a cat sat on the mat")).Value.ToFloats().ToArray();
        Assert.Equal(64, first.Length);
        Assert.Equal(first, again);

        using var audio = new MemoryStream(new byte[8000]);
        var transcription = await client.GetAudioClient("whisper-sim").TranscribeAudioAsync(audio, "clip.wav");
        Assert.Equal("hello from the simulated node", transcription.Value.Text);
    }
}
