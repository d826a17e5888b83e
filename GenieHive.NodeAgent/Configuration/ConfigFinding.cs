using System.Globalization;

namespace GenieHive.NodeAgent.Configuration;

internal enum FindingSeverity
{
    Warning,
    Error,
}

/// <summary>One validation finding, printed in config.md §5.1's format.</summary>
internal sealed record ConfigFinding(FindingSeverity Severity, string File, string KeyPath, string Reason, int? Line = null, int? Column = null)
{
    public override string ToString()
    {
        var severity = Severity == FindingSeverity.Error ? "error  " : "warning";
        var position = Line is { } line
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line}, column {Column})")
            : "";
        return $"{severity} {File}: {KeyPath}: {Reason}{position}";
    }
}
