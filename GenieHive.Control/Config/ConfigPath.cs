namespace GenieHive.Control.Config;

/// <summary>Key paths of findings: dots between keys, <c>[i]</c> indices, bracket-quoted data keys (config.md §5.1).</summary>
public static class ConfigPath
{
    public const string Root = "(root)";

    public static string Key(string parent, string key) =>
        parent is Root or "" ? key : $"{parent}.{key}";

    public static string Index(string parent, int index) =>
        parent is Root or "" ? $"[{index}]" : $"{parent}[{index}]";

    /// <summary>A key of a free map (<c>budgeting.model_prices["gpt-4.1"]</c>).</summary>
    public static string Data(string parent, string key) =>
        $"{(parent is Root ? string.Empty : parent)}[\"{key}\"]";
}
