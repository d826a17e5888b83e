namespace GenieHive.NodeAgent.Configuration;

internal static partial class ConfigLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "{Finding}")]
    public static partial void ConfigError(this ILogger logger, string finding);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Finding}")]
    public static partial void ConfigWarning(this ILogger logger, string finding);
}
