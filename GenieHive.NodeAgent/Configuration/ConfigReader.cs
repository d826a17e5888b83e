namespace GenieHive.NodeAgent.Configuration;

/// <summary>Collects the findings of one file while its typed sections are read (config.md §0, §5).</summary>
internal sealed class ConfigReader(string file, List<ConfigFinding> findings)
{
    public string File => file;

    public List<ConfigFinding> Findings => findings;

    public void Error(string path, string reason, YamlValue? at = null) =>
        findings.Add(new ConfigFinding(FindingSeverity.Error, file, path, reason, at?.Line, at?.Column));

    public void Warning(string path, string reason, YamlValue? at = null) =>
        findings.Add(new ConfigFinding(FindingSeverity.Warning, file, path, reason, at?.Line, at?.Column));

    /// <summary>A typed mapping at <paramref name="path"/>; missing or null = empty; another shape = error.</summary>
    public MapReader Map(YamlValue? node, string path)
    {
        switch (node)
        {
            case null:
            case YamlScalarValue { IsNull: true }:
                return new MapReader(this, null, path);
            case YamlMappingValue map:
                return new MapReader(this, map, path);
            default:
                Error(path, "must be a mapping", node);
                return new MapReader(this, null, path);
        }
    }
}
