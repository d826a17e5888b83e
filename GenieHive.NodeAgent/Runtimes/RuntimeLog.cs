namespace GenieHive.NodeAgent.Runtimes;

internal static partial class RuntimeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {ServiceId}: loaded in process {Pid} on port {Port} ({ElapsedMs} ms)")]
    public static partial void Loaded(this ILogger logger, string serviceId, int pid, int port, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Runtime {ServiceId}: {Reason}; next start in {RetryInSeconds} s")]
    public static partial void Failed(this ILogger logger, string serviceId, string reason, double retryInSeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Runtime {ServiceId}: the server failed (its last lines are in runtime.last_error); next start in {RetryInSeconds} s")]
    public static partial void ServerFailed(this ILogger logger, string serviceId, double retryInSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Runtime {ServiceId}: unloaded ({Reason})")]
    public static partial void Unloaded(this ILogger logger, string serviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runtime {ServiceId}: not loaded: {Reason}")]
    public static partial void NoRoom(this ILogger logger, string serviceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Idle unload check failed")]
    public static partial void IdleCheckFailed(this ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Runtime {ServiceId}: the request to its host failed")]
    public static partial void ForwardFailed(this ILogger logger, string serviceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    public static partial void CatalogWarning(this ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node agent runs on CPUs {Cpus}: CPUs {Reserved} are reserved for the runtimes pinned to them")]
    public static partial void AgentCpus(this ILogger logger, string cpus, string reserved);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CPU reservation: {Reason}")]
    public static partial void CpusShared(this ILogger logger, string reason);
}
