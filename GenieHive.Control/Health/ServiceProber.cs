namespace GenieHive.Control.Health;

/// <summary>
/// One active probe of a model service (routing.md "Active probing", api.md §6.1): <c>GET {endpoint}/health</c>
/// &lt; 400 → healthy; 404/405 → <c>GET {endpoint}/v1/models</c> &lt; 400 → healthy; anything else, an exception or
/// the timeout → unhealthy. Uses a named factory client with no resilience handler: the timeout is ours.
/// </summary>
public sealed class ServiceProber(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "GenieHive.Probe";

    public async Task<ProbeVerdict> ProbeAsync(string endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var client = clients.CreateClient(ClientName);
        try
        {
            var status = await GetStatusAsync(client, $"{endpoint}/health", linked.Token);
            if (status is 404 or 405)
            {
                status = await GetStatusAsync(client, $"{endpoint}/v1/models", linked.Token);
            }

            return status < 400 ? ProbeVerdict.Healthy : ProbeVerdict.Unhealthy;
        }
        catch (HttpRequestException)
        {
            return ProbeVerdict.Unhealthy;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeVerdict.Unhealthy;
        }
    }

    private static async Task<int> GetStatusAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return (int)response.StatusCode;
    }
}
