using System.Text;
using GenieHive.Control.Proxy;

namespace GenieHive.Tests.Control.Proxy;

public sealed class TokenUsageTests
{
    [Theory]
    // usage last (OpenAI, MiniLM): read from the end.
    [InlineData("""{"data":[{"embedding":[0.1,-0.2]}],"model":"m","usage":{"prompt_tokens":5,"total_tokens":5}}""", 5L, null, 5L)]
    [InlineData("{\"data\":[],\"usage\" :\n { \"prompt_tokens\": 2, \"completion_tokens\": 3, \"total_tokens\": 5, \"prompt_tokens_details\": {\"cached_tokens\": 1} } \n}\n", 2L, 3L, 5L)]
    // usage first (llama.cpp) or in the middle: the full scan.
    [InlineData("""{"usage":{"prompt_tokens":7,"total_tokens":7},"data":[{"embedding":[1]}]}""", 7L, null, 7L)]
    [InlineData("""{"id":"x","usage":{"completion_tokens":4},"timings":{"prompt_ms":1.5}}""", null, 4L, null)]
    // a nested "usage" after the top-level one is not taken for it.
    [InlineData("""{"usage":{"total_tokens":9},"data":[{"usage":{"total_tokens":1}}]}""", null, null, 9L)]
    // an escaped name inside a string value is no property.
    [InlineData("""{"usage":{"total_tokens":9},"note":"\"usage\":{\"total_tokens\":1}}"}""", null, null, 9L)]
    public void Whole_response_usage_is_the_top_level_object_wherever_it_stands(string json, long? prompt, long? completion, long? total)
    {
        Assert.True(TokenUsage.TryReadWhole(Encoding.UTF8.GetBytes(json), out var usage));
        Assert.Equal(new TokenUsage(prompt, completion, total), usage);
    }

    [Theory]
    [InlineData("""{"data":[]}""")]
    [InlineData("""{"data":[{"usage":{"total_tokens":1}}]}""")]
    [InlineData("""{"data":[{"usage":{"total_tokens":1}}]""")]
    [InlineData("""{"usage":null}""")]
    [InlineData("""{"usage":{"total_tokens":1}""")]
    [InlineData("""[{"usage":{"total_tokens":1}}]""")]
    [InlineData("not json \"usage\": {} }")]
    public void No_top_level_usage_object_reads_as_none(string json)
    {
        Assert.False(TokenUsage.TryReadWhole(Encoding.UTF8.GetBytes(json), out _));
    }
}
