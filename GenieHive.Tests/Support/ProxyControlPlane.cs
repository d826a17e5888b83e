using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Support;

/// <summary>
/// The real control plane (<see cref="ControlPlaneHost"/>: open keys, in-memory registry, fake clock) with a
/// hand-built routing table published over the registry's: <see cref="Publish"/> stands for a heartbeat that just
/// arrived. Nothing else publishes while no node talks to it, so the table stays the test's.
/// </summary>
internal sealed class ProxyControlPlane : IAsyncDisposable
{
    private readonly ControlPlaneHost _host;

    private ProxyControlPlane(ControlPlaneHost host)
    {
        _host = host;
    }

    public FakeTimeProvider Time => _host.Time;

    public IServiceProvider Services => _host.Services;

    public Uri BaseAddress => _host.Kestrel.BaseAddress;

    public LiveStateStore LiveStates => Services.GetRequiredService<LiveStateStore>();

    public HttpClient CreateClient() => _host.Client(clientKey: null);

    /// <param name="limits">YAML lines under <c>limits:</c>, e.g. <c>max_json_body_bytes: 1024</c>.</param>
    public static async Task<ProxyControlPlane> StartAsync(string? limits = null, string? routing = null)
    {
        var yaml = ControlPlaneHost.Yaml(keys: false, sqlitePath: ":memory:");
        if (routing is not null)
        {
            yaml = yaml.Replace("routing:\n", "routing:\n  " + routing + "\n", StringComparison.Ordinal);
        }

        if (limits is not null)
        {
            yaml += "limits:\n  " + limits + "\n";
        }

        return new ProxyControlPlane(await ControlPlaneHost.StartAsync(yaml));
    }

    public void Publish(IEnumerable<ServiceRecord> services, IEnumerable<RoleRecord>? roles = null)
    {
        var now = TestCluster.Now(Time);
        Services.GetRequiredService<RoutingTableHolder>().Publish(TestCluster.Table(services, roles, now));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();
}
