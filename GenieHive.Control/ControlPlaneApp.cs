using GenieHive.Control.Api;
using GenieHive.Control.Config;
using GenieHive.Control.Health;
using GenieHive.Control.Models;
using GenieHive.Control.Proxy;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GenieHive.Control;

/// <summary>The control plane's composition: the table of contents that Program, tests and benchmarks share.</summary>
public static class ControlPlaneApp
{
    public const string DefaultUrl = "http://127.0.0.1:8800";

    /// <summary>
    /// Builds the control plane. <paramref name="configure"/> runs first, so tests can add configuration
    /// (<c>--config</c>, <c>Auth:*</c>) or register their own <see cref="TimeProvider"/>, which then wins.
    /// Throws <see cref="ConfigValidationException"/> when the configuration has errors.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(HostingDefaults.WithoutConfigReload(args));
        configure?.Invoke(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddServiceDefaults();
        builder.UseInlineIo();
        builder.AddControlConfig();
        builder.AddRegistry();
        builder.AddNodeCalls();
        builder.AddProbing();
        builder.AddModelRouting();
        builder.AddUpstreamProxy();

        var app = builder.Build();
        app.UseGenieHiveDefaults();
        app.LogConfigFindings();
        app.MapDefaultEndpoints();
        app.MapNodeApi();
        app.MapClusterApi();
        app.MapModelsApi();
        app.MapRoutingApi();
        app.MapOpenAiApi();
        return app;
    }
}
