using GenieHive.Control;
using GenieHive.Control.Auth;
using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Support;

/// <summary>
/// The real control plane (<see cref="ControlPlaneApp.Build"/>) on Kestrel at 127.0.0.1:0 with a hand-built
/// routing table: the registry writer's place is taken by <see cref="Publish"/>. Time is a
/// <see cref="FakeTimeProvider"/> unless the test passes none.
/// </summary>
internal sealed class ControlPlaneHost : IAsyncDisposable
{
    private readonly KestrelHost _host;

    private ControlPlaneHost(KestrelHost host, FakeTimeProvider? time)
    {
        _host = host;
        Time = time;
    }

    public FakeTimeProvider? Time { get; }

    public IServiceProvider Services => _host.App.Services;

    public Uri BaseAddress => _host.BaseAddress;

    public LiveStateStore LiveStates => Services.GetRequiredService<LiveStateStore>();

    public HttpClient CreateClient() => _host.CreateClient();

    public static async Task<ControlPlaneHost> StartAsync(
        ControlConfig? config = null, bool fakeTime = true, Action<WebApplicationBuilder>? configure = null)
    {
        var time = fakeTime ? new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000)) : null;
        var app = ControlPlaneApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.TryAddSingleton(ControlKeys.Open);
            if (config is not null)
            {
                builder.Services.AddSingleton(config);
            }

            if (time is not null)
            {
                builder.Services.AddSingleton<TimeProvider>(time);
            }

            configure?.Invoke(builder);
        });
        return new ControlPlaneHost(await KestrelHost.StartAsync(app), time);
    }

    /// <summary>Publishes a table whose hosts were seen "now" (a heartbeat just arrived).</summary>
    public void Publish(IEnumerable<ServiceRecord> services, IEnumerable<RoleRecord>? roles = null)
    {
        var now = TestCluster.Now(Services.GetRequiredService<TimeProvider>());
        Services.GetRequiredService<RoutingTableHolder>().Publish(TestCluster.Table(services, roles, now));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
