namespace GenieHive.NodeAgent;

/// <summary>The node agent's composition: the table of contents that Program and tests share.</summary>
public static class NodeAgentApp
{
    public const string DefaultUrl = "http://127.0.0.1:8891";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        builder.UseDefaultUrl(DefaultUrl);

        var app = builder.Build();
        app.UseGenieHiveDefaults();
        app.MapDefaultEndpoints();
        return app;
    }
}
