using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace GenieHive.Tests.Control.Proxy;

internal static class ProxyTestKit
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<HttpResponseMessage> PostChatAsync(HttpClient client, string json, bool stream = false, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonBody(json) };
        configure?.Invoke(request);
        return await client.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead)
            .WaitAsync(Patience);
    }

    public static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    public static bool HasHeader(HttpResponseMessage response, string name) => response.Headers.Contains(name);

    public static async Task<JsonElement> ErrorOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
    }

    /// <summary>Reads one whole SSE event (up to its blank line) from a streamed response, or null at the end.</summary>
    public static async Task<string?> ReadEventAsync(StreamReader reader)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(Patience);
            if (line is null)
            {
                return builder.Length == 0 ? null : builder.ToString();
            }

            if (line.Length == 0)
            {
                if (builder.Length > 0)
                {
                    return builder.ToString();
                }

                continue;
            }

            builder.Append(line).Append('\n');
        }
    }

    public static async Task<List<string>> ReadAllEventsAsync(StreamReader reader)
    {
        var events = new List<string>();
        while (await ReadEventAsync(reader) is { } e)
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>Waits for a condition another thread makes true (live-state counters updated after the response).</summary>
    public static async Task Eventually(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    public static MediaTypeHeaderValue MediaType(HttpResponseMessage response) => response.Content.Headers.ContentType!;
}
