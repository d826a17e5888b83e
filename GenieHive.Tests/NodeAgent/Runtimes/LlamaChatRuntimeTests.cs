using System.Net;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>Chat on a generated llama GGUF through llama.cpp, at the agent's stable endpoint for the model.</summary>
public sealed class LlamaChatRuntimeTests(RuntimeAgent runtime) : IClassFixture<RuntimeAgent>
{
    private const string Messages = """[{"role":"system","content":"be brief"},{"role":"user","content":"tell me about the cat"}]""";

    private async Task<JsonElement> ChatAsync(string extra)
    {
        using var client = runtime.Client("tiny-llama");
        using var response = await client.PostAsync("/v1/chat/completions",
            RuntimeAgent.Json($$"""{"model":"tiny-llama","messages":{{Messages}}{{extra}}}"""));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string Content(JsonElement completion) =>
        completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

    [Fact]
    public async Task Max_tokens_ends_the_completion_with_finish_reason_length_and_counts_it_in_usage()
    {
        var completion = await ChatAsync(""","max_tokens":7,"temperature":0""");

        var choice = completion.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.NotEmpty(Content(completion).Trim());
        var usage = completion.GetProperty("usage");
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        // The ChatML rendering of the two messages: markers, roles and text, tokenised by the model's vocabulary.
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 20);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 7, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal("tiny-llama", completion.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Seed_with_temperature_zero_gives_the_same_text_twice_and_another_prompt_another_text()
    {
        var first = Content(await ChatAsync(""","max_tokens":24,"temperature":0,"seed":42"""));
        var second = Content(await ChatAsync(""","max_tokens":24,"temperature":0,"seed":42"""));
        using var client = runtime.Client("tiny-llama");
        using var other = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            """{"model":"tiny-llama","max_tokens":24,"temperature":0,"seed":42,"messages":[{"role":"user","content":"zebra quartz 9"}]}"""));
        var otherText = Content(JsonDocument.Parse(await other.Content.ReadAsStringAsync()).RootElement);

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherText);
    }

    [Fact]
    public async Task Seeded_sampling_at_temperature_one_repeats_with_the_seed_and_varies_without_it()
    {
        var a = Content(await ChatAsync(""","max_tokens":24,"temperature":1,"top_p":0.95,"seed":7"""));
        var b = Content(await ChatAsync(""","max_tokens":24,"temperature":1,"top_p":0.95,"seed":7"""));
        var c = Content(await ChatAsync(""","max_tokens":24,"temperature":1,"top_p":0.95,"seed":8"""));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_text_just_before_it_with_finish_reason_stop()
    {
        var full = Content(await ChatAsync(""","max_tokens":30,"temperature":0"""));
        Assert.True(full.Length > 12, full);
        var stop = full.Substring(full.Length / 2, 3);
        var expected = full[..full.IndexOf(stop, StringComparison.Ordinal)];

        var stopped = await ChatAsync($$""","max_tokens":30,"temperature":0,"stop":["{{stop}}"]""");

        Assert.Equal(expected, Content(stopped));
        Assert.Equal("stop", stopped.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(stopped.GetProperty("usage").GetProperty("completion_tokens").GetInt32() < 30);
    }

    [Fact]
    public async Task Streamed_chat_is_valid_sse_whose_usage_counts_the_tokens_sent()
    {
        using var client = runtime.Client("tiny-llama");
        using var response = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            $$"""{"model":"tiny-llama","stream":true,"stream_options":{"include_usage":true},"max_tokens":12,"temperature":0,"messages":{{Messages}}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        var events = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());

        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var contentChunks = chunks.Where(c => c.GetProperty("choices").GetArrayLength() == 1
            && c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var piece) && piece.GetString()!.Length > 0).ToList();
        var finish = chunks.Single(c => c.GetProperty("choices").GetArrayLength() == 1
            && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String);
        Assert.Equal("length", finish.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(12, usage.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // One event per token: every token of the generated words decodes to text of its own.
        Assert.Equal(12, contentChunks.Count);

        var streamed = string.Concat(contentChunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        var json = Content(await ChatAsync(""","max_tokens":12,"temperature":0"""));
        Assert.Equal(json, streamed);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_a_400_naming_messages_and_other_models_are_404()
    {
        using var client = runtime.Client("tiny-llama");
        var longText = string.Join(' ', Enumerable.Repeat("cat", 3000));
        using var tooLong = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            $$"""{"model":"tiny-llama","messages":[{"role":"user","content":"{{longText}}"}]}"""));
        using var tooLongStreamed = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            $$"""{"model":"tiny-llama","stream":true,"messages":[{"role":"user","content":"{{longText}}"}]}"""));
        using var wrongModel = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""));
        using var badTemperature = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json(
            """{"model":"tiny-llama","temperature":"hot","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("messages", JsonDocument.Parse(await tooLong.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        // Streamed, too: the response opens only once the prompt is known to fit.
        Assert.Equal(HttpStatusCode.BadRequest, tooLongStreamed.StatusCode);
        Assert.Equal("messages", JsonDocument.Parse(await tooLongStreamed.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(HttpStatusCode.NotFound, wrongModel.StatusCode);
        Assert.Equal("model_not_found", JsonDocument.Parse(await wrongModel.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("temperature", JsonDocument.Parse(await badTemperature.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task The_inventory_reports_the_served_models_from_their_metadata_and_loaded_truthfully()
    {
        await runtime.Service("tiny-llama").LoadAsync(CancellationToken.None);
        using var client = runtime.Agent.CreateClient();

        var inventory = JsonDocument.Parse(await client.GetStringAsync("/v1/node/inventory")).RootElement;

        var services = inventory.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("service_id").GetString()!);
        var chat = services["rt-host/chat/tiny-llama"];
        Assert.Equal("chat", chat.GetProperty("kind").GetString());
        Assert.Equal(runtime.Service("tiny-llama").Endpoint.Url, chat.GetProperty("endpoint").GetString());
        var rt = chat.GetProperty("runtime");
        Assert.Equal("llama.cpp", rt.GetProperty("engine").GetString());
        Assert.Equal("llama", rt.GetProperty("family").GetString());
        Assert.Equal("F32", rt.GetProperty("quantization").GetString());
        Assert.Equal(2048, rt.GetProperty("context_size").GetInt32());
        var asset = chat.GetProperty("assets").EnumerateArray().Single();
        Assert.Equal("tiny-llama", asset.GetProperty("asset_id").GetString());
        Assert.True(asset.GetProperty("loaded").GetBoolean());
        Assert.Equal("healthy", chat.GetProperty("state").GetProperty("health").GetString());
        Assert.Equal("loaded", chat.GetProperty("state").GetProperty("load_state").GetString());

        // The pooling type in the GGUF metadata makes the second llama file an embedding model.
        Assert.Equal("embeddings", services["rt-host/embeddings/tiny-embed"].GetProperty("kind").GetString());
        Assert.Equal("minilm", services["rt-host/embeddings/all-minilm-l6-v2"].GetProperty("runtime").GetProperty("engine").GetString());

        using var unload = await client.PostAsync("/v1/node/assets/tiny-llama/unload", null);
        var unloaded = JsonDocument.Parse(await unload.Content.ReadAsStringAsync()).RootElement;
        Assert.False(unloaded.GetProperty("loaded").GetBoolean());
        var after = JsonDocument.Parse(await client.GetStringAsync("/v1/node/inventory")).RootElement.GetProperty("services").EnumerateArray()
            .Single(s => s.GetProperty("service_id").GetString() == "rt-host/chat/tiny-llama");
        Assert.False(after.GetProperty("assets")[0].GetProperty("loaded").GetBoolean());
        Assert.Equal("unloaded", after.GetProperty("state").GetProperty("load_state").GetString());

        using var load = await client.PostAsync("/v1/node/assets/tiny-llama/load", null);
        Assert.True(JsonDocument.Parse(await load.Content.ReadAsStringAsync()).RootElement.GetProperty("loaded").GetBoolean());
        using var unknown = await client.PostAsync("/v1/node/assets/nope/load", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_gguf_embedding_model_gives_unit_vectors_that_repeat_for_the_same_input()
    {
        using var client = runtime.Client("tiny-embed");
        using var response = await client.PostAsync("/v1/embeddings", RuntimeAgent.Json(
            """{"model":"tiny-embed","input":["the cat sat","the cat sat","a dog ran to the park"]}"""));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var data = JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray()
            .Select(d => d.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        Assert.Equal(3, data.Count);
        Assert.Equal(64, data[0].Length);
        Assert.Equal(1.0, Math.Sqrt(data[0].Sum(v => (double)v * v)), 3);
        Assert.Equal(data[0], data[1]);
        Assert.NotEqual(data[0], data[2]);
    }
}
