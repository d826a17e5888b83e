using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>Best-effort calls to model runtimes: 5 s per call (api.md §6.3); a failure is a reason, never an exception.</summary>
internal static class RuntimeHttp
{
    public const string ClientName = "geniehive-runtimes";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<RuntimeAnswer<T>> GetJsonAsync<T>(HttpClient client, string url, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await SendAsync(client, request, type, cancellationToken);
    }

    public static async Task<RuntimeAnswer<T>> PostJsonAsync<TBody, T>(HttpClient client, string url, TBody body, JsonTypeInfo<TBody> bodyType,
        JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body, bodyType) };
        return await SendAsync(client, request, type, cancellationToken);
    }

    /// <summary>The status code of a GET, or null with the reason when no answer came.</summary>
    public static async Task<(int? Status, string? Error)> GetStatusAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return ((int)response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return (null, ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, "timed out");
        }
    }

    private static async Task<RuntimeAnswer<T>> SendAsync<T>(HttpClient client, HttpRequestMessage request, JsonTypeInfo<T> type,
        CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if ((int)response.StatusCode != 200)
            {
                return new RuntimeAnswer<T>(null, $"{request.RequestUri!.AbsolutePath} answered {(int)response.StatusCode}");
            }

            var value = await response.Content.ReadFromJsonAsync(type, cancellationToken);
            return value is null ? new RuntimeAnswer<T>(null, "empty body") : new RuntimeAnswer<T>(value, null);
        }
        catch (HttpRequestException ex)
        {
            return new RuntimeAnswer<T>(null, ex.Message);
        }
        catch (JsonException ex)
        {
            return new RuntimeAnswer<T>(null, "bad JSON: " + ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new RuntimeAnswer<T>(null, "timed out");
        }
    }
}

internal readonly record struct RuntimeAnswer<T>(T? Value, string? Error)
    where T : class;
