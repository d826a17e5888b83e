namespace GenieHive.NodeAgent.Configuration;

/// <summary>A parsed YAML node with its position (1-based line and column).</summary>
internal abstract record YamlValue(int Line, int Column);

/// <summary>A scalar; <see cref="Plain"/> is false for quoted and block scalars (they are always text).</summary>
internal sealed record YamlScalarValue(string Text, bool Plain, int Line, int Column) : YamlValue(Line, Column)
{
    public bool IsNull => Plain && Text is "" or "~" or "null" or "Null" or "NULL";
}

internal sealed record YamlSequenceValue(IReadOnlyList<YamlValue> Items, int Line, int Column) : YamlValue(Line, Column);

/// <summary>A mapping; keys are scalars' text, a repeated key keeps the last value.</summary>
internal sealed record YamlMappingValue(IReadOnlyList<KeyValuePair<YamlScalarValue, YamlValue>> Entries, int Line, int Column)
    : YamlValue(Line, Column);
