using System.Text;
using GenieHive.Control.Proxy;

namespace GenieHive.Tests.Control.Proxy;

public sealed class SseAndJsonSanitisingTests
{
    private static List<string> Frame(params string[] reads)
    {
        using var framer = new SseFramer();
        var events = new List<string>();
        foreach (var read in reads)
        {
            var bytes = Encoding.UTF8.GetBytes(read);
            bytes.CopyTo(framer.GetReadMemory());
            framer.Advance(bytes.Length);
            while (framer.TryReadEvent(out var e))
            {
                events.Add(Encoding.UTF8.GetString(e.Span));
            }
        }

        return events;
    }

    [Fact]
    public void Framer_hands_out_only_whole_events_across_reads_with_lf_or_crlf()
    {
        var events = Frame("data: a\n", "\ndata: b\r\n\r", "\ndata: c\n\ndata: d");

        Assert.Equal(["data: a\n\n", "data: b\r\n\r\n", "data: c\n\n"], events);
    }

    [Fact]
    public void Framer_reports_the_incomplete_tail()
    {
        using var framer = new SseFramer();
        var bytes = "data: x\n\ndata: part"u8.ToArray();
        bytes.CopyTo(framer.GetReadMemory());
        framer.Advance(bytes.Length);
        Assert.True(framer.TryReadEvent(out _));
        Assert.False(framer.TryReadEvent(out _));
        Assert.Equal(10, framer.PendingBytes);
        Assert.False(framer.PendingIsBlank);
    }

    private static (SseEventAction Action, string Output) Transform(string sseEvent, bool hide = true)
    {
        using var transformer = new SseEventTransformer(hide);
        using var output = new PooledBuffer();
        var action = transformer.Transform(Encoding.UTF8.GetBytes(sseEvent), output);
        return (action, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Untouched_events_pass_through_and_done_is_recognised()
    {
        Assert.Equal(SseEventAction.PassThrough, Transform("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n").Action);
        Assert.Equal(SseEventAction.PassThrough, Transform(": keep-alive\n\n").Action);
        Assert.Equal(SseEventAction.Done, Transform("data:[DONE]\r\n\r\n").Action);
    }

    [Fact]
    public void Multi_line_data_is_joined_and_rewritten_as_one_compact_line()
    {
        var (action, output) = Transform("event: message\ndata: {\"reasoning\":\"r\",\ndata: \"content\":\"x\"}\n\n");

        Assert.Equal(SseEventAction.Rewritten, action);
        Assert.Equal("event: message\ndata: {\"content\":\"x\"}\n\n", output);
    }

    [Fact]
    public void Usage_only_chunk_is_dropped_only_when_hidden_and_usage_is_remembered()
    {
        const string usage = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n";
        using var transformer = new SseEventTransformer(hideUsageChunks: true);
        using var output = new PooledBuffer();

        Assert.Equal(SseEventAction.Dropped, transformer.Transform(Encoding.UTF8.GetBytes(usage), output));
        Assert.Equal(new TokenUsage(1, 2, 3), transformer.LastUsage);
        Assert.Equal(SseEventAction.PassThrough, Transform(usage, hide: false).Action);
        Assert.Equal(SseEventAction.PassThrough,
            Transform("data: {\"choices\":[{\"delta\":{}}],\"usage\":{\"total_tokens\":3}}\n\n").Action);
    }

    [Fact]
    public void Unparseable_data_passes_byte_for_byte()
    {
        Assert.Equal(SseEventAction.PassThrough, Transform("data: {\"reasoning\": oops\n\n").Action);
    }

    [Fact]
    public void Stripper_removes_reasoning_members_at_any_depth_including_escaped_names_and_keeps_values_exact()
    {
        var json = "{\"a\":[{\"reasoning_content\":{\"x\":[1]}},2],\"\\u0062x\":\"\\u00e9\\n\",\"reasoning\":null,\"n\":1.50e3,\"usage\":{\"reasoning_tokens\":4}}";
        using var output = new PooledBuffer();

        Assert.True(ReasoningStripper.Strip(Encoding.UTF8.GetBytes(json), output));
        Assert.Equal("{\"a\":[{},2],\"bx\":\"\\u00e9\\n\",\"n\":1.50e3,\"usage\":{\"reasoning_tokens\":4}}",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Stripper_says_nothing_was_removed_when_only_reasoning_tokens_appear()
    {
        using var output = new PooledBuffer();
        Assert.False(ReasoningStripper.Strip("{\"usage\":{\"reasoning_tokens\":4}}"u8, output));
    }
}
