using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// The runtime endpoint's relay over raw sockets: keep-alive, chunked request bodies, the refusals of heads that could
/// be read two ways (in the error envelope), and a client that leaves mid-stream.
/// </summary>
public sealed class RuntimeEndpointRelayTests(RuntimeAgent runtime) : IClassFixture<RuntimeAgent>
{
    private const string Embed = """{"model":"all-minilm-l6-v2","input":"one connection"}""";

    [Fact]
    public async Task One_connection_carries_health_then_embeddings_then_a_chunked_request()
    {
        using var connection = await RawConnection.OpenAsync(Url("all-minilm-l6-v2"));

        await connection.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        var health = await connection.ReadResponseAsync();
        await connection.SendAsync($"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {Embed.Length}\r\n\r\n{Embed}");
        var embedded = await connection.ReadResponseAsync();
        var half = Embed.Length / 2;
        await connection.SendAsync($"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{half:x}\r\n{Embed[..half]}\r\n");
        await connection.SendAsync($"{Embed.Length - half:x}\r\n{Embed[half..]}\r\n0\r\n\r\n");
        var chunked = await connection.ReadResponseAsync();

        Assert.Equal((200, """{"status":"ok"}"""), (health.Status, health.Body));
        Assert.Equal(200, embedded.Status);
        Assert.Equal(200, chunked.Status);
        Assert.Equal(Vector(embedded.Body), Vector(chunked.Body));
        Assert.Equal(384, Vector(embedded.Body).Length);
    }

    [Theory]
    [InlineData("GET /health\r\n\r\n", 400, "request line")]
    [InlineData("GET /health HTTP/1.1\r\nBad Header\r\n\r\n", 400, "Name: value")]
    [InlineData("POST /v1/embeddings HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400, "Both Transfer-Encoding and Content-Length")]
    [InlineData("POST /v1/embeddings HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "Transfer-Encoding")]
    [InlineData("POST /v1/embeddings HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "chunked request body")]
    public async Task A_request_that_could_be_read_two_ways_is_refused_in_the_envelope_and_the_connection_closed(string request, int status, string reason)
    {
        using var connection = await RawConnection.OpenAsync(Url("all-minilm-l6-v2"));

        await connection.SendAsync(request);
        var response = await connection.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        var error = JsonDocument.Parse(response.Body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request", error.GetProperty("code").GetString());
        Assert.Contains(reason, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(await connection.IsClosedAsync());
    }

    [Fact]
    public async Task A_head_over_32_kib_is_431()
    {
        using var connection = await RawConnection.OpenAsync(Url("all-minilm-l6-v2"));

        await connection.SendAsync($"GET /health HTTP/1.1\r\nX-Big: {new string('a', 40_000)}\r\n\r\n");
        var response = await connection.ReadResponseAsync();

        Assert.Equal(431, response.Status);
        Assert.Equal("invalid_request", JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_ends_the_request_and_the_endpoint_serves_on()
    {
        var service = runtime.Service("tiny-llama");
        var body = """{"model":"tiny-llama","stream":true,"max_tokens":400,"temperature":0,"messages":[{"role":"user","content":"go on"}]}""";
        using (var connection = await RawConnection.OpenAsync(Url("tiny-llama")))
        {
            await connection.SendAsync($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}");
            var head = await connection.ReadHeadAsync();
            Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
            Assert.Contains("text/event-stream", head, StringComparison.Ordinal);
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (service.Endpoint.InFlight > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, service.Endpoint.InFlight);
        using var again = await RawConnection.OpenAsync(Url("tiny-llama"));
        await again.SendAsync("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await again.ReadResponseAsync()).Status);
    }

    private Uri Url(string assetId) => new(runtime.Service(assetId).Endpoint.Url);

    private static float[] Vector(string body) => JsonDocument.Parse(body).RootElement.GetProperty("data")[0]
        .GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    /// <summary>A keep-alive HTTP/1.1 connection written and read by hand.</summary>
    private sealed class RawConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly List<byte> _buffered = [];

        private RawConnection(Socket socket) => _socket = socket;

        public static async Task<RawConnection> OpenAsync(Uri url)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(url.Host, url.Port);
            return new RawConnection(socket);
        }

        public async Task SendAsync(string text) => await _socket.SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task<string> ReadHeadAsync()
        {
            while (true)
            {
                var text = Encoding.Latin1.GetString([.. _buffered]);
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    _buffered.RemoveRange(0, end + 4);
                    return text[..(end + 4)];
                }

                await FillAsync();
            }
        }

        public async Task<Response> ReadResponseAsync()
        {
            var head = await ReadHeadAsync();
            var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var response = new Response(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers, "");
            if (headers.TryGetValue("Content-Length", out var length))
            {
                return response with { Body = Encoding.UTF8.GetString(await TakeAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))) };
            }

            var body = new List<byte>();
            while (true)
            {
                var size = Convert.ToInt32((await LineAsync()).Split(';')[0], 16);
                if (size == 0)
                {
                    await LineAsync();
                    return response with { Body = Encoding.UTF8.GetString([.. body]) };
                }

                body.AddRange(await TakeAsync(size));
                await LineAsync();
            }
        }

        public async Task<bool> IsClosedAsync()
        {
            var buffer = new byte[1];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            return await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0;
        }

        public void Dispose() => _socket.Dispose();

        private async Task<string> LineAsync()
        {
            while (true)
            {
                var at = _buffered.IndexOf((byte)'\n');
                if (at >= 0)
                {
                    var line = Encoding.Latin1.GetString([.. _buffered.GetRange(0, at)]).TrimEnd('\r');
                    _buffered.RemoveRange(0, at + 1);
                    return line;
                }

                await FillAsync();
            }
        }

        private async Task<byte[]> TakeAsync(int count)
        {
            while (_buffered.Count < count)
            {
                await FillAsync();
            }

            var taken = _buffered.GetRange(0, count).ToArray();
            _buffered.RemoveRange(0, count);
            return taken;
        }

        private async Task FillAsync()
        {
            var buffer = new byte[16 * 1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                throw new IOException("The endpoint closed the connection.");
            }

            _buffered.AddRange(buffer.AsSpan(0, read));
        }
    }

    private sealed record Response(int Status, Dictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }
}
