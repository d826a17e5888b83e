namespace GenieHive.NodeAgent.Heartbeat;

internal static partial class HeartbeatLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "No control plane configured (control_plane.base_url, ControlPlane:Url or Aspire's control); not syncing")]
    public static partial void SyncDisabled(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered host {HostId} with {ControlPlane} ({ServiceCount} services)")]
    public static partial void Registered(this ILogger logger, string hostId, string controlPlane, int serviceCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control plane sync failed ({Reason}); retrying in {DelaySeconds:0.0} s")]
    public static partial void SyncFailed(this ILogger logger, string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Control plane does not know host {HostId}; registering again")]
    public static partial void UnknownHost(this ILogger logger, string hostId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Service conflict: {Reason}; retrying registration next interval")]
    public static partial void ServiceConflict(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Host conflict: {Reason}; another agent owns host {HostId}, sync stopped")]
    public static partial void HostConflict(this ILogger logger, string hostId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent the offline heartbeat for {HostId}")]
    public static partial void SentOffline(this ILogger logger, string hostId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offline heartbeat failed: {Reason}")]
    public static partial void OfflineFailed(this ILogger logger, string reason);
}
