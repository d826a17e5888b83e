using System.Text;
using GenieHive.NodeAgent.Runtimes.Relay;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>The runtime endpoint's relay: where request and response heads and bodies begin and end.</summary>
public sealed class RelayFramingTests
{
    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    [Fact]
    public void A_head_ends_at_its_blank_line_even_when_it_arrives_in_pieces()
    {
        var data = Ascii("GET /health HTTP/1.1\r\nHost: x\r\n\r\nPOST");
        var scanned = 0;

        Assert.Equal(-1, HttpHead.FindEnd(data.AsSpan(0, 30), ref scanned));
        Assert.Equal(30, scanned);
        Assert.Equal(33, HttpHead.FindEnd(data, ref scanned));
    }

    [Fact]
    public void A_request_head_gives_its_path_framing_connection_and_trace_context()
    {
        var head = Ascii("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\ncontent-length: 42\r\ntraceparent: 00-abc-def-01\r\nTraceState: k=v\r\n\r\n");

        Assert.True(HttpHead.TryParseRequest(head, out var request, out var error), error);

        Assert.Equal(new RequestHead("POST", "/v1/chat/completions", true, BodyKind.Length, 42, "00-abc-def-01", "k=v"), request);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", true, "None")]
    [InlineData("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false, "None")]
    [InlineData("GET / HTTP/1.0\r\n\r\n", false, "None")]
    [InlineData("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, "None")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", true, "Chunked")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", true, "None")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", true, "Length")]
    public void Keep_alive_and_body_framing_follow_rfc_9112(string text, bool keepAlive, string body)
    {
        Assert.True(HttpHead.TryParseRequest(Ascii(text), out var request, out var error), error);
        Assert.Equal(keepAlive, request.KeepAlive);
        Assert.Equal(body, request.Body.ToString());
    }

    [Theory]
    [InlineData("GET /\r\n\r\n", "request line")]
    [InlineData("GET  / HTTP/1.1\r\n\r\n", "request line")]
    [InlineData("GET x HTTP/1.1\r\n\r\n", "request line")]
    [InlineData("G(T / HTTP/1.1\r\n\r\n", "request line")]
    [InlineData("GET / HTTP/2.0\r\n\r\n", "HTTP/1.1")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "Both")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "Content-Length")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "Content-Length")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "Content-Length")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "Folded")]
    [InlineData("GET / HTTP/1.1\r\nNo colon here\r\n\r\n", "Name: value")]
    [InlineData("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "Name: value")]
    public void A_request_head_that_could_be_read_two_ways_is_refused_with_the_reason(string text, string reason)
    {
        Assert.False(HttpHead.TryParseRequest(Ascii(text), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", false, 200, true, "Length")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", false, 200, false, "Chunked")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", false, 200, false, "UntilClose")]
    [InlineData("HTTP/1.1 204 No Content\r\n\r\n", false, 204, true, "None")]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", false, 304, true, "None")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true, 200, true, "None")]
    [InlineData("HTTP/1.1 100 Continue\r\n\r\n", false, 100, true, "None")]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", false, 200, false, "Length")]
    [InlineData("HTTP/1.1 429\r\nContent-Length: 2\r\n\r\n", false, 429, true, "Length")]
    public void A_response_head_gives_status_keep_alive_and_body_framing(string text, bool toHead, int status, bool keepAlive, string body)
    {
        Assert.True(HttpHead.TryParseResponse(Ascii(text), toHead, out var response, out var error), error);
        Assert.Equal((status, keepAlive, body), (response.Status, response.KeepAlive, response.Body.ToString()));
    }

    [Theory]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 abc OK\r\n\r\n")]
    [InlineData("HTTP/2 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n")]
    public void A_malformed_response_head_is_refused(string text)
    {
        Assert.False(HttpHead.TryParseResponse(Ascii(text), toHead: false, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_length_body_ends_after_its_count_and_leaves_the_next_message_alone()
    {
        var framing = new BodyFraming(BodyKind.Length, 5);

        Assert.Equal(3, framing.Advance(Ascii("abc")));
        Assert.False(framing.IsDone);
        Assert.Equal(2, framing.Advance(Ascii("deGET /")));
        Assert.True(framing.IsDone);
        Assert.Equal(0, framing.Advance(Ascii("more")));
    }

    [Fact]
    public void A_chunked_body_ends_after_its_last_chunk_and_trailers_whichever_way_it_is_split()
    {
        const string body = "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n";
        var data = Ascii(body + "NEXT");
        for (var piece = 1; piece <= data.Length; piece++)
        {
            var framing = new BodyFraming(BodyKind.Chunked, 0);
            var taken = 0;
            for (var at = 0; at < data.Length && !framing.IsDone; at += piece)
            {
                var n = framing.Advance(data.AsSpan(at, Math.Min(piece, data.Length - at)));
                Assert.True(n >= 0, $"piece {piece} at {at}");
                taken += n;
            }

            Assert.True(framing.IsDone, $"piece {piece}");
            Assert.Equal(body.Length, taken);
        }
    }

    [Fact]
    public void An_sse_stream_in_chunks_stays_open_until_its_last_chunk()
    {
        var framing = new BodyFraming(BodyKind.Chunked, 0);
        var first = Ascii("18\r\ndata: {\"choices\":[]}\r\n\r\n\r\n");

        Assert.Equal(first.Length, framing.Advance(first));
        Assert.False(framing.IsDone);
        Assert.Equal(5, framing.Advance(Ascii("0\r\n\r\n")));
        Assert.True(framing.IsDone);
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("\r\n")]
    [InlineData("4\r\nWikiX\r\n")]
    [InlineData("4\nWiki")]
    [InlineData("1000000000000000\r\n")]
    [InlineData("4;\u0001\r\n")]
    public void A_broken_chunked_body_is_detected(string text)
    {
        var framing = new BodyFraming(BodyKind.Chunked, 0);
        Assert.Equal(-1, framing.Advance(Encoding.Latin1.GetBytes(text)));
    }

    [Fact]
    public void A_body_until_close_takes_everything()
    {
        var framing = new BodyFraming(BodyKind.UntilClose, 0);

        Assert.Equal(4, framing.Advance(Ascii("abcd")));
        Assert.True(framing.EndsAtClose);
        Assert.False(framing.IsDone);
    }
}
