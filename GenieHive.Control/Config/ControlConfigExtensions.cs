using System.Collections.Immutable;
using GenieHive.Control.Auth;
using GenieHive.Control.Routing;

namespace GenieHive.Control.Config;

public static partial class ControlConfigExtensions
{
    /// <summary>
    /// Loads and validates the control YAML and role catalogs before anything listens (config.md §5.1): any error
    /// throws <see cref="ConfigValidationException"/> carrying every finding. Registers <see cref="ControlConfig"/>,
    /// <see cref="LoadedConfiguration"/> and <see cref="ControlKeys"/>, and listens on <c>server.host:port</c>
    /// unless ASP.NET Core URLs decide. Request bodies are limited per route (security.md §5), not by Kestrel.
    /// </summary>
    public static WebApplicationBuilder AddControlConfig(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var inputs = new ControlConfigInputs(
            NonEmpty(configuration["config"]) ?? NonEmpty(configuration["GENIEHIVE_CONTROL_CONFIG"]),
            NonEmpty(configuration["GENIEHIVE_ROLES_CONFIG"]),
            Keys(configuration, "Auth:ClientApiKeys"),
            Keys(configuration, "Auth:NodeApiKeys"),
            builder.Environment.ContentRootPath,
            builder.Environment.IsDevelopment(),
            NonEmpty(configuration["urls"]) ?? NonEmpty(configuration["ASPNETCORE_URLS"]));
        var loaded = ControlConfigLoader.Load(inputs);
        if (loaded.HasErrors)
        {
            throw new ConfigValidationException(loaded.Findings);
        }

        var config = loaded.Config;
        builder.Services.AddSingleton(loaded);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(new ControlKeys(new KeyDigestSet(config.Auth.ClientApiKeys), new KeyDigestSet(config.Auth.NodeApiKeys)));
        builder.Services.AddSingleton(new RoutingSettings(config.Routing.HealthStaleAfterSeconds, config.Routing.DefaultStrategy));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        var host = config.Server.Host.Contains(':', StringComparison.Ordinal) && !config.Server.Host.StartsWith('[')
            ? $"[{config.Server.Host}]"
            : config.Server.Host;
        builder.UseDefaultUrl($"http://{host}:{config.Server.Port}");
        return builder;
    }

    /// <summary>Logs the start-up warnings and the profile (errors never get here: they stop start-up).</summary>
    public static WebApplication LogConfigFindings(this WebApplication app)
    {
        var loaded = app.Services.GetRequiredService<LoadedConfiguration>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GenieHive.Control.Config");
        LogLoaded(logger, loaded.Config.SourcePath ?? "(defaults)", loaded.Config.DeploymentProfile, loaded.Roles.Length);
        foreach (var warning in loaded.Warnings)
        {
            LogWarning(logger, warning.ToString());
        }

        return app;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static ImmutableArray<string> Keys(ConfigurationManager configuration, string section) =>
        [.. configuration.GetSection(section).GetChildren()
            .OrderBy(c => int.TryParse(c.Key, out var n) ? n : int.MaxValue)
            .Select(c => c.Value ?? string.Empty)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration {Path} loaded: profile {Profile}, {RoleCount} roles")]
    private static partial void LogLoaded(ILogger logger, string path, string profile, int roleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Finding}")]
    private static partial void LogWarning(ILogger logger, string finding);
}
