namespace GenieHive.NodeAgent.Discovery;

internal static partial class DiscoveryLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "nvidia-smi is not on the PATH; no GPUs reported")]
    public static partial void NvidiaSmiAbsent(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "nvidia-smi failed ({Reason}); no GPUs reported")]
    public static partial void NvidiaSmiFailed(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Discovery of {ServiceId} at {Endpoint} failed: {Reason}")]
    public static partial void DiscoveryFailed(this ILogger logger, string serviceId, string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Service {ServiceId} is now {Health}")]
    public static partial void HealthChanged(this ILogger logger, string serviceId, string health);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery run failed")]
    public static partial void DiscoveryRunFailed(this ILogger logger, Exception exception);
}
