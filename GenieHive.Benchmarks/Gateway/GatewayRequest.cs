using System.Net.Http.Headers;
using System.Text;

namespace GenieHive.Benchmarks.Gateway;

/// <summary>The request kinds the gateway benchmark drives, identical on both paths except for <c>model</c>.</summary>
internal enum GatewayRequestKind
{
    ChatJson,
    ChatStream,
    Embeddings,
}

internal static class GatewayRequest
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public static string Name(GatewayRequestKind kind) => kind switch
    {
        GatewayRequestKind.ChatJson => "chat",
        GatewayRequestKind.ChatStream => "chat-stream",
        _ => "embeddings",
    };

    public static HttpRequestMessage Create(GatewayRequestKind kind, Uri baseUrl, string model, string? apiKey)
    {
        var (path, body) = kind switch
        {
            GatewayRequestKind.ChatJson =>
                ("v1/chat/completions", $"{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Say hello in five words.\"}}],\"max_tokens\":20}}"),
            GatewayRequestKind.ChatStream =>
                ("v1/chat/completions", $"{{\"model\":\"{model}\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"Count to twenty.\"}}],\"max_tokens\":20}}"),
            _ => ("v1/embeddings", $"{{\"model\":\"{model}\",\"input\":\"the quick brown fox jumps over the lazy dog\"}}"),
        };
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path)) { Content = content };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return request;
    }
}
