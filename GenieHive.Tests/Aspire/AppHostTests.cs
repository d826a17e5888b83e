using Aspire.Hosting;
using Aspire.Hosting.Testing;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Aspire;

public sealed class AppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Cluster_starts_and_control_and_nodes_answer_health()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var ct = cts.Token;
        using var state = new Support.TempDirectory();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.GenieHive_AppHost>(
            AspireCluster.Arguments(state.Path), ct);
        await using var app = await appHost.BuildAsync(ct);
        await app.StartAsync(ct);

        foreach (var resource in new[] { "control", "gpu-node", "cpu-node" })
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
            using var client = app.CreateHttpClient(resource, "http");
            using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync(ct));
        }
    }
}
