namespace GenieHive.ServiceDefaults.Errors;

/// <summary>
/// The one error envelope of every 4xx/5xx (spec D1): <c>{"error":{"message","type","code","param"}}</c>.
/// </summary>
public sealed record ApiError(int Status, string Message, string Code, string? Param = null, string? Type = null)
{
    /// <summary>The envelope's <c>type</c>: explicit, else derived from the status and code (api.md §1.4).</summary>
    public string EffectiveType => Type ?? ErrorTypes.For(Status, Code);

    public static ApiError InvalidJson(string message) => new(400, message, ErrorCodes.InvalidJson);

    public static ApiError InvalidRequest(string message, string? param = null) =>
        new(400, message, ErrorCodes.InvalidRequest, param);

    public static ApiError NotFound(string message = "Not found.") => new(404, message, ErrorCodes.NotFound);

    public static ApiError Unauthorized(string message = "Missing or invalid API key.") =>
        new(401, message, ErrorCodes.Unauthorized);

    public static ApiError PayloadTooLarge(long limit) =>
        new(413, $"Request body exceeds the limit of {limit} bytes.", ErrorCodes.PayloadTooLarge);

    public static ApiError UnsupportedMediaType(string message) => new(415, message, ErrorCodes.UnsupportedMediaType);

    public static ApiError NotReady(string message = "Not ready.") => new(503, message, ErrorCodes.NotReady);

    public static ApiError Internal(string requestId) =>
        new(500, $"Internal error; request id {requestId}.", ErrorCodes.InternalError);

    /// <summary>The envelope for a bare framework status (unknown route, 405, 413...).</summary>
    public static ApiError ForStatus(int status) => status switch
    {
        400 => InvalidRequest("Bad request."),
        401 => Unauthorized(),
        404 => NotFound(),
        405 => new(405, "Method not allowed.", ErrorCodes.MethodNotAllowed),
        413 => new(413, "Request body too large.", ErrorCodes.PayloadTooLarge),
        415 => UnsupportedMediaType("Unsupported media type."),
        503 => NotReady("Service unavailable."),
        >= 500 => new(status, "Internal error.", ErrorCodes.InternalError),
        _ => new(status, "Request failed.", ErrorCodes.InvalidRequest),
    };
}
