namespace GenieHive.ServiceDefaults.Errors;

/// <summary>The envelope's <c>type</c> as api.md §1.4 derives it from status and code.</summary>
public static class ErrorTypes
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string RateLimit = "rate_limit_error";
    public const string InsufficientQuota = "insufficient_quota";
    public const string Server = "server_error";
    public const string Upstream = "upstream_error";

    public static string For(int status, string code)
    {
        if (code is ErrorCodes.UpstreamError or ErrorCodes.UpstreamTimeout)
        {
            return Upstream;
        }

        return status switch
        {
            401 => Authentication,
            403 => Permission,
            429 => code == "budget_exceeded" ? InsufficientQuota : RateLimit,
            >= 500 => Server,
            _ => InvalidRequest,
        };
    }
}
