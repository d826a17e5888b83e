namespace GenieHive.ServiceDefaults.Errors;

/// <summary>Stable snake_case error codes of api.md §1.4.</summary>
public static class ErrorCodes
{
    public const string InvalidJson = "invalid_json";
    public const string InvalidRequest = "invalid_request";
    public const string OperationMismatch = "operation_mismatch";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string ModelNotFound = "model_not_found";
    public const string UnknownHost = "unknown_host";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string ServiceConflict = "service_conflict";
    public const string HostConflict = "host_conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string InsufficientMemory = "insufficient_memory";
    public const string ModelLoadTimeout = "model_load_timeout";
    public const string InternalError = "internal_error";
    public const string UpstreamError = "upstream_error";
    public const string NoHealthyTarget = "no_healthy_target";
    public const string NotReady = "not_ready";
    public const string UpstreamTimeout = "upstream_timeout";
}
