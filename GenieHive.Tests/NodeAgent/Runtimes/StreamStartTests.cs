using System.Net;
using System.Text;
using GenieHive.Benchmarks.Runtime;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// When a streamed chat's response opens: the runtime host sends its status and headers once the prompt is known to
/// fit, before evaluating it, and the agent's endpoint passes them on at once; the first event waits for the first token.
/// The model is big enough (about 3.5 M parameters, one thread) that a prompt of a few hundred words takes the host far
/// longer to evaluate than the test takes to look at the headers.
/// </summary>
public sealed class StreamStartTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private NodeAgentHost _agent = null!;

    public async Task InitializeAsync()
    {
        var model = new TinyLlamaModel(256, 4, 4, 768, 2048).Write(_dir.Combine("prompt-eval.gguf"));
        _agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "start-host", listen_port: 0 }
            runtimes:
              - { id: "gguf", engine: "llamacpp", paths: ["{{model}}"], threads: 1, preload: true }
            """);
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_streamed_chat_has_its_headers_before_the_model_has_evaluated_the_prompt_and_its_first_event_with_the_first_token()
    {
        var service = LifecycleTests.Find(_agent, "prompt-eval");
        await service.LoadAsync(CancellationToken.None);
        var (pendingAfterHeaders, first, all) = await StreamAsync(service.Endpoint.Url);

        Assert.True(pendingAfterHeaders, "the first event came with the headers");
        Assert.StartsWith("data: ", first, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"assistant\"", first, StringComparison.Ordinal);
        // The role event travels with the first token, not alone ahead of it.
        var firstEvents = first.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(firstEvents.Length >= 2, $"the first read held only the role event: {first}");
        Assert.Contains("\"content\":\"", firstEvents[1], StringComparison.Ordinal);
        Assert.Equal("data: [DONE]", all.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    private static async Task<(bool PendingAfterHeaders, string First, string All)> StreamAsync(string url)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        var prompt = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 60));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = RuntimeAgent.Json($$"""{"model":"prompt-eval","stream":true,"max_tokens":2,"temperature":0,"messages":[{"role":"user","content":"{{prompt}}"}]}"""),
        };

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        var firstRead = body.ReadAsync(buffer).AsTask();

        // Headers and the first event in one packet would make this read complete at once.
        var pending = !firstRead.IsCompleted;
        var first = Encoding.UTF8.GetString(buffer, 0, await firstRead);
        var all = new StringBuilder(first);
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            all.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return (pending, first, all.ToString());
    }
}
