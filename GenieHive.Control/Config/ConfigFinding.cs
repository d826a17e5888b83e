namespace GenieHive.Control.Config;

/// <summary>One start-up validation finding (config.md §5.1).</summary>
/// <param name="File">The file it concerns, or the .NET setting's name.</param>
/// <param name="KeyPath">Dotted key path with <c>[i]</c> indices, or <c>(root)</c>.</param>
public sealed record ConfigFinding(ConfigSeverity Severity, string File, string KeyPath, string Reason, int? Line = null, int? Column = null)
{
    public bool IsError => Severity == ConfigSeverity.Error;

    /// <summary><c>&lt;severity&gt; &lt;file&gt;: &lt;key path&gt;: &lt;reason&gt; (line L, column C)</c>.</summary>
    public override string ToString()
    {
        var severity = IsError ? "error  " : "warning";
        var where = Line is { } line ? $" (line {line}, column {Column ?? 1})" : string.Empty;
        return $"{severity} {File}: {KeyPath}: {Reason}{where}";
    }
}

public enum ConfigSeverity
{
    Warning,
    Error,
}
