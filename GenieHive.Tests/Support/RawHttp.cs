using System.Net.Sockets;
using System.Text;

namespace GenieHive.Tests.Support;

/// <summary>
/// One HTTP/1.1 request over a plain socket, for headers that must arrive exactly as written: an in-process
/// <see cref="HttpClient"/> may replace <c>traceparent</c> with its own activity's.
/// </summary>
internal static class RawHttp
{
    /// <returns>The status line and the body.</returns>
    public static async Task<(string StatusLine, string Body)> SendAsync(Uri endpoint, string method, string path, string? headers = null, string? jsonBody = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        var stream = tcp.GetStream();
        var body = jsonBody is null ? [] : Encoding.UTF8.GetBytes(jsonBody);
        var head = new StringBuilder()
            .Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(endpoint.Authority).Append("\r\n")
            .Append(headers)
            .Append(jsonBody is null ? "" : $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n")
            .Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()));
        await stream.WriteAsync(body);
        using var reader = new StreamReader(stream);
        var status = await reader.ReadLineAsync() ?? "";
        var rest = await reader.ReadToEndAsync();
        var split = rest.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, split < 0 ? "" : rest[(split + 4)..]);
    }
}
