using System.Collections.Immutable;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Config;

/// <summary>The validated control configuration and merged role catalogs, with every finding of the pass.</summary>
/// <param name="Roles">Merged catalogs (D13); <c>created_at</c>/<c>updated_at</c> are filled by the registry's role sync.</param>
public sealed record LoadedConfiguration(
    ControlConfig Config,
    ImmutableArray<RoleRecord> Roles,
    IReadOnlyList<ConfigFinding> Findings)
{
    public bool HasErrors => Findings.Any(f => f.IsError);

    public IEnumerable<ConfigFinding> Warnings => Findings.Where(f => !f.IsError);
}
