namespace GenieHive.Control.Config;

/// <summary>
/// A node of a YAML 1.1 document as the loader reads it: aliases resolved to their anchored node, <c>&lt;&lt;</c>
/// merges applied, repeated keys collapsed (last wins). Carries its 1-based line and column for findings.
/// </summary>
public abstract class ConfigNode(int line, int column)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public abstract string KindName { get; }
}
