using GenieHive.Control.Config;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenieHive.Control.Registry;

/// <summary>Readiness (api.md §1.5): configuration loaded and the registry open.</summary>
internal sealed class RegistryHealthCheck(LoadedConfiguration configuration, RegistryWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (configuration.HasErrors)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("configuration has errors"));
        }

        return Task.FromResult(writer.IsOpen
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("registry not open"));
    }
}
