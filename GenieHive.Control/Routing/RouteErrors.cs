using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Routing;

/// <summary>The failure table of routing.md "Failure codes", with its exact messages.</summary>
public static class RouteErrors
{
    public static ApiError MissingModel() =>
        new(400, "Missing 'model' in request body.", ErrorCodes.InvalidRequest, "model");

    public static ApiError OperationMismatch(string id, string actual, string requested) =>
        new(400, $"'{id}' serves {actual}, not {requested}.", ErrorCodes.OperationMismatch, "model");

    public static ApiError ModelNotFound(string id) =>
        new(404, $"Unknown model or role '{id}'.", ErrorCodes.ModelNotFound, "model");

    public static ApiError NoHealthyTarget(string? operation, string id) =>
        new(503, $"No healthy {operation} target available for '{id}'.", ErrorCodes.NoHealthyTarget);

    /// <summary>
    /// What a proxied request answers for <paramref name="resolution"/>: its error, or 503 <c>no_healthy_target</c>
    /// when a role resolved to no service (the resolve endpoint answers that case 200 with <c>service: null</c>);
    /// null when there is a target. <see cref="RouteResolution.RetryAfterSeconds"/> applies to either error.
    /// </summary>
    public static ApiError? ForProxy(RouteResolution resolution, string requestedId)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        if (resolution.Error is not null)
        {
            return resolution.Error;
        }

        return resolution.Service is null ? NoHealthyTarget(resolution.Operation, requestedId) : null;
    }
}
