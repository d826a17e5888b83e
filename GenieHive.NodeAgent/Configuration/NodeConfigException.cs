namespace GenieHive.NodeAgent.Configuration;

/// <summary>The node YAML has errors: the agent must not start (config.md §5.1, exit code 2).</summary>
internal sealed class NodeConfigException(IReadOnlyList<ConfigFinding> findings)
    : Exception("The node configuration has errors:" + Environment.NewLine + string.Join(Environment.NewLine, findings))
{
    public IReadOnlyList<ConfigFinding> Findings { get; } = findings;
}
