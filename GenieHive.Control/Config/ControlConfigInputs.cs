using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary>What the control configuration is read from (config.md §1, §4).</summary>
/// <param name="ConfigPath"><c>--config</c>, else <c>GENIEHIVE_CONTROL_CONFIG</c>; null = defaults.</param>
/// <param name="RolesEnvironment"><c>GENIEHIVE_ROLES_CONFIG</c>, used when <c>roles_path</c> is null or empty.</param>
/// <param name="ExtraClientKeys"><c>Auth:ClientApiKeys:&lt;n&gt;</c> .NET settings, appended to the YAML's list.</param>
/// <param name="WorkingDirectory">Relative paths resolve against it (the process's working directory).</param>
/// <param name="ListenUrls">ASP.NET Core URLs when they decide the listen address, else null.</param>
public sealed record ControlConfigInputs(
    string? ConfigPath,
    string? RolesEnvironment,
    ImmutableArray<string> ExtraClientKeys,
    ImmutableArray<string> ExtraNodeKeys,
    string WorkingDirectory,
    bool IsDevelopment,
    string? ListenUrls = null);
