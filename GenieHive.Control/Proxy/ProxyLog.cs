using Microsoft.Extensions.Logging;

namespace GenieHive.Control.Proxy;

/// <summary>Proxy log events: ids, statuses and reasons only, never request or response bodies.</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {ServiceId} attempt {Attempt} for request {RequestId} failed ({Outcome}: {Detail}); failing over")]
    public static partial void FailingOver(this ILogger logger, string serviceId, int attempt, string requestId, string outcome, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {ServiceId} for request {RequestId} failed ({Outcome}: {Detail}); no failover")]
    public static partial void AttemptFailed(this ILogger logger, string serviceId, string requestId, string outcome, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Skipping {ServiceId} for request {RequestId}: cooling down or trial in flight")]
    public static partial void CandidateSkipped(this ILogger logger, string serviceId, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upstream {ServiceId} refused stream_options.include_usage (HTTP {Status}); re-sending without it and remembering")]
    public static partial void StreamUsageRefused(this ILogger logger, string serviceId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upstream {ServiceId} failed mid-stream for request {RequestId}: {Detail}")]
    public static partial void FailedMidStream(this ILogger logger, string serviceId, string requestId, string detail);
}
