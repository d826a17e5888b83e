using System.Collections.Immutable;

namespace GenieHive.Control.Config;

/// <summary>A mapping with scalar keys, in document order; merges applied and repeated keys collapsed.</summary>
public sealed class ConfigMapping(ImmutableArray<ConfigMapping.Entry> entries, int line, int column) : ConfigNode(line, column)
{
    public ImmutableArray<Entry> Entries { get; } = entries;

    public override string KindName => "a mapping";

    public ConfigNode? this[string key]
    {
        get
        {
            foreach (var entry in Entries)
            {
                if (entry.Key == key)
                {
                    return entry.Value;
                }
            }

            return null;
        }
    }

    public bool TryGetEntry(string key, out Entry entry)
    {
        foreach (var candidate in Entries)
        {
            if (candidate.Key == key)
            {
                entry = candidate;
                return true;
            }
        }

        entry = default;
        return false;
    }

    public readonly record struct Entry(string Key, ConfigScalar KeyNode, ConfigNode Value);
}
