using System.Collections.Immutable;

namespace GenieHive.Control.Config;

public sealed class ConfigSequence(ImmutableArray<ConfigNode> items, int line, int column) : ConfigNode(line, column)
{
    public ImmutableArray<ConfigNode> Items { get; } = items;

    public override string KindName => "a list";
}
