namespace GenieHive.NodeAgent.Configuration;

/// <summary>The loaded node YAML (null when any finding is an error) and every finding.</summary>
internal sealed record NodeConfigResult(NodeConfig? Config, IReadOnlyList<ConfigFinding> Findings)
{
    public bool HasErrors => Config is null;

    public IEnumerable<ConfigFinding> Warnings => Findings.Where(f => f.Severity == FindingSeverity.Warning);
}
