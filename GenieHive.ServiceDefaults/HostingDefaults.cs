using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Microsoft.Extensions.Hosting;

public static class HostingDefaults
{
    /// <summary>
    /// <paramref name="args"/> with <c>hostBuilder:reloadConfigOnChange=false</c> in front (a later argument still
    /// wins). With reloading on, the host watches its content root (the working directory) for a changed
    /// <c>appsettings.json</c>, and that watcher woke on every file written there: the registry's SQLite and WAL on
    /// each heartbeat. GenieHive's own YAML is read once at start too; a changed setting needs a restart.
    /// </summary>
    public static string[] WithoutConfigReload(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];

    /// <summary>
    /// Listens on <paramref name="url"/> unless ASP.NET Core's own settings (<c>--urls</c>, <c>ASPNETCORE_URLS</c>,
    /// <c>ASPNETCORE_HTTP_PORTS</c>, <c>Kestrel:Endpoints</c>) decide (config.md §4).
    /// </summary>
    public static WebApplicationBuilder UseDefaultUrl(this WebApplicationBuilder builder, string url)
    {
        var config = builder.Configuration;
        var decided = !string.IsNullOrEmpty(config["urls"])
            || !string.IsNullOrEmpty(config["ASPNETCORE_URLS"])
            || !string.IsNullOrEmpty(config["http_ports"])
            || !string.IsNullOrEmpty(config["ASPNETCORE_HTTP_PORTS"])
            || config.GetSection("Kestrel:Endpoints").GetChildren().Any();
        if (!decided)
        {
            builder.WebHost.UseUrls(url);
        }

        return builder;
    }
}
