namespace GenieHive.Control.Proxy;

internal enum AttemptOutcome
{
    /// <summary>The response (JSON or a stream ending in <c>[DONE]</c>) reached the client.</summary>
    Completed,

    /// <summary>The client went away: never a service failure (D9).</summary>
    ClientAborted,

    /// <summary>Connect error, connect timeout, or reset before headers.</summary>
    ConnectFailed,

    /// <summary>No response headers, body byte or first SSE event within the limit.</summary>
    TimedOut,

    /// <summary>The upstream answered a non-2xx status.</summary>
    UpstreamStatus,

    /// <summary>A 2xx the proxy cannot relay: non-JSON chat body, not an event stream, over a size limit, truncated.</summary>
    InvalidResponse,

    /// <summary>400/422 to an injected <c>stream_options.include_usage</c>: re-send once without it.</summary>
    UsageRefused,

    /// <summary>The stream failed after its first byte; the client got one error event and <c>[DONE]</c>.</summary>
    FailedAfterFirstByte,
}

/// <summary>What one upstream attempt ended in; <see cref="Detail"/> is for people (logs, messages), no payloads.</summary>
internal sealed record AttemptResult(AttemptOutcome Outcome, string Detail)
{
    public int Status { get; init; }

    /// <summary>The upstream's raw <c>Retry-After</c> header, relayed with a final 429.</summary>
    public string? RetryAfterHeader { get; init; }

    /// <summary><c>Retry-After</c> as seconds from now, when present and parseable.</summary>
    public double? RetryAfterSeconds { get; init; }

    public UpstreamErrorBody? Error { get; init; }

    /// <summary>Whether the next candidate may be tried (only before the first byte, routing.md failover table).</summary>
    public bool CanFailOver => Outcome switch
    {
        AttemptOutcome.ConnectFailed or AttemptOutcome.TimedOut or AttemptOutcome.InvalidResponse => true,
        AttemptOutcome.UpstreamStatus => Status >= 500 || Status is 429 or 401 or 403 or 407,
        _ => false,
    };

    /// <summary>Whether the outcome counts as a passive-health failure (D9).</summary>
    public bool IsServiceFailure => Outcome switch
    {
        AttemptOutcome.ConnectFailed or AttemptOutcome.TimedOut or AttemptOutcome.InvalidResponse
            or AttemptOutcome.FailedAfterFirstByte => true,
        AttemptOutcome.UpstreamStatus => Status >= 500 || Status is 401 or 403 or 407,
        _ => false,
    };

    public string OutcomeTag => Outcome switch
    {
        AttemptOutcome.Completed => "completed",
        AttemptOutcome.ClientAborted => "client_aborted",
        AttemptOutcome.ConnectFailed => "connect_failed",
        AttemptOutcome.TimedOut => "timed_out",
        AttemptOutcome.UpstreamStatus => "upstream_status",
        AttemptOutcome.InvalidResponse => "invalid_response",
        AttemptOutcome.UsageRefused => "usage_refused",
        _ => "failed_mid_stream",
    };
}
