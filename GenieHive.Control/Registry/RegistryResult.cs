using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.Control.Registry;

/// <summary>The outcome of a registry command: the stored host, or the error that left everything unchanged.</summary>
public sealed record RegistryResult(HostRecord? Host, ApiError? Error, int RemovedServiceCount = 0)
{
    public static RegistryResult Failed(ApiError error) => new(null, error);
}
