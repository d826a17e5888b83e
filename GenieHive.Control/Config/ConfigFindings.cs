namespace GenieHive.Control.Config;

/// <summary>Collects every finding of one validation pass, so start-up reports all of them at once.</summary>
public sealed class ConfigFindings
{
    private readonly List<ConfigFinding> _items = [];

    public IReadOnlyList<ConfigFinding> Items => _items;

    public bool HasErrors => _items.Exists(f => f.IsError);

    public IEnumerable<ConfigFinding> Errors => _items.Where(f => f.IsError);

    public IEnumerable<ConfigFinding> Warnings => _items.Where(f => !f.IsError);

    public void Add(ConfigFinding finding) => _items.Add(finding);

    public void Error(string file, string path, string reason, ConfigNode? at = null) =>
        _items.Add(new ConfigFinding(ConfigSeverity.Error, file, path, reason, at?.Line, at?.Column));

    public void Warning(string file, string path, string reason, ConfigNode? at = null) =>
        _items.Add(new ConfigFinding(ConfigSeverity.Warning, file, path, reason, at?.Line, at?.Column));
}
