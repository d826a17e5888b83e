using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GenieHive.AppHost.Cluster;

/// <summary>
/// Prints one ready line once the control plane is healthy and every described node has registered: the OpenAI
/// base URL, the client key and a working curl command. Printing the generated development key on the AppHost's
/// own console is deliberate (as the dashboard prints its login token); the control plane and agents never log keys.
/// </summary>
internal sealed partial class ReadyAnnouncer(
    ResourceNotificationService notifications,
    IHttpClientFactory httpClientFactory,
    GenieHiveControl control,
    TimeProvider time,
    ILogger<ReadyAnnouncer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await notifications.WaitForResourceHealthyAsync(GenieHiveResources.ControlName, stoppingToken);
            var key = await control.ClientKey.Resource.GetValueAsync(stoppingToken) ?? "";
            var expected = control.Cluster.Nodes.Select(n => n.EffectiveHostId).ToHashSet(StringComparer.Ordinal);
            using var client = httpClientFactory.CreateClient(nameof(ReadyAnnouncer));
            client.BaseAddress = control.Cluster.ControlUri;
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);

            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (await AllRegisteredAsync(client, expected, stoppingToken))
                {
                    break;
                }
            }

            var baseUrl = control.Cluster.ControlUrl.TrimEnd('/');
            var model = control.Cluster.Roles.FirstOrDefault(r => r.Operation == "chat")?.RoleId ?? "mentor";
            var openAiBase = baseUrl + "/v1";
            var curl = $"curl -s {baseUrl}/v1/chat/completions -H \"Authorization: Bearer {key}\" -H \"Content-Type: application/json\" "
                + $"-d '{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Hello\"}}]}}'";
            LogReady(logger, openAiBase, key, curl);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static async Task<bool> AllRegisteredAsync(HttpClient client, HashSet<string> expected, CancellationToken ct)
    {
        try
        {
            using var doc = await client.GetFromJsonAsync<JsonDocument>("/v1/cluster/hosts", ct);
            if (doc is null || !doc.RootElement.TryGetProperty("data", out var data))
            {
                return false;
            }

            var online = data.EnumerateArray()
                .Where(h => h.GetProperty("status").GetProperty("state").GetString() == "online")
                .Select(h => h.GetProperty("host_id").GetString())
                .ToHashSet(StringComparer.Ordinal);
            return expected.IsSubsetOf(online!);
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "GenieHive is ready. OpenAI base URL: {BaseUrl}  API key: {Key}\n  Try: {Curl}")]
    private static partial void LogReady(ILogger logger, string baseUrl, string key, string curl);
}
