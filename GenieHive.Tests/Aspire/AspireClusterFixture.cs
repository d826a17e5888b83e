using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace GenieHive.Tests.Aspire;

/// <summary>
/// One real local cluster (the AppHost under DCP, default cluster description) shared by the Aspire end-to-end
/// tests of a class: a free control port, a fresh state folder and fixed keys. Disposed (every process stopped)
/// when the class is done.
/// </summary>
public sealed class AspireClusterFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly Support.TempDirectory _state = new();

    public DistributedApplication App { get; private set; } = null!;

    public string StateDirectory => _state.Path;

    public HttpClient Control { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GenieHive_AppHost>(
            AspireCluster.Arguments(_state.Path), cts.Token);
        App = await builder.BuildAsync(cts.Token);
        await App.StartAsync(cts.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync("control", cts.Token);
        Control = App.CreateHttpClient("control", "http");
        Control.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AspireCluster.ClientKey);
        await WaitUntilAsync(async () => (await RoutableServicesAsync()).Count >= 6, TimeSpan.FromSeconds(90), cts.Token);
    }

    /// <summary>Service ids the control plane would route to now (<c>live.routable</c>).</summary>
    public async Task<HashSet<string>> RoutableServicesAsync()
    {
        using var doc = JsonDocument.Parse(await Control.GetStringAsync(new Uri("/v1/cluster/services", UriKind.Relative)));
        return doc.RootElement.GetProperty("data").EnumerateArray()
            .Where(s => s.GetProperty("live").GetProperty("routable").GetBoolean())
            .Select(s => s.GetProperty("service_id").GetString()!)
            .ToHashSet(StringComparer.Ordinal);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (!await condition())
        {
            await timer.WaitForNextTickAsync(cts.Token);
        }
    }

    public async Task DisposeAsync()
    {
        Control?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        _state.Dispose();
    }
}
