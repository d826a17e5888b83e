using GenieHive.Control.Models;
using GenieHive.Control.Proxy;
using GenieHive.Control.Routing;

namespace GenieHive.Control;

/// <summary>The control plane's composition: the table of contents that Program, tests and benchmarks share.</summary>
public static class ControlPlaneApp
{
    public const string DefaultUrl = "http://127.0.0.1:8800";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.UseDefaultUrl(DefaultUrl);
        builder.AddModelRouting();
        builder.AddUpstreamProxy();

        var app = builder.Build();
        app.UseGenieHiveDefaults();
        app.MapDefaultEndpoints();
        app.MapModelsApi();
        app.MapRoutingApi();
        app.MapOpenAiApi();
        return app;
    }
}
