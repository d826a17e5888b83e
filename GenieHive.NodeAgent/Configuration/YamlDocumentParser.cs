using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// Reads one YAML 1.1 document into <see cref="YamlValue"/> nodes with positions, resolving anchors, aliases and
/// <c>&lt;&lt;</c> merges; reports syntax errors, several documents, custom tags and repeated keys (config.md §0).
/// </summary>
internal static class YamlDocumentParser
{
    private static readonly HashSet<string> StandardTags = new(StringComparer.Ordinal)
    {
        "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge",
    };

    /// <returns>The root, or null for an empty document (or one that failed: see <paramref name="findings"/>).</returns>
    public static YamlValue? Parse(string text, string file, List<ConfigFinding> findings)
    {
        try
        {
            var parser = new MergingParser(new Parser(new StringReader(text)));
            var anchors = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, anchors, file, "(root)", findings);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                findings.Add(new ConfigFinding(FindingSeverity.Error, file, "(root)", "several YAML documents; expected one",
                    (int)second.Start.Line, (int)second.Start.Column));
                return null;
            }

            return root is YamlScalarValue { IsNull: true } ? null : root;
        }
        catch (YamlException ex)
        {
            findings.Add(new ConfigFinding(FindingSeverity.Error, file, "(root)", "YAML syntax: " + Reason(ex),
                (int)ex.Start.Line, (int)ex.Start.Column));
            return null;
        }
    }

    private static string Reason(YamlException ex)
    {
        // YamlDotNet prefixes messages with "(Line: …, Col: …, Idx: …) - (…): "; the position is printed separately.
        var message = ex.InnerException?.Message ?? ex.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 ? message[(cut + 3)..] : message;
    }

    private static YamlValue ReadNode(IParser parser, Dictionary<string, YamlValue> anchors, string file, string path,
        List<ConfigFinding> findings)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            throw new YamlException(alias.Start, alias.End, $"unknown alias '{alias.Value.Value}'");
        }

        var node = parser.Current as NodeEvent
            ?? throw new YamlException(parser.Current!.Start, parser.Current.End, "expected a YAML node");
        CheckTag(node, file, path, findings);
        YamlValue value;
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        switch (node)
        {
            case Scalar scalar:
                parser.MoveNext();
                value = new YamlScalarValue(scalar.Value, scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty, line, column);
                break;
            case SequenceStart:
                parser.MoveNext();
                var items = new List<YamlValue>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadNode(parser, anchors, file, $"{path}[{items.Count}]", findings));
                }

                value = new YamlSequenceValue(items, line, column);
                break;
            case MappingStart:
                parser.MoveNext();
                var entries = new List<KeyValuePair<YamlScalarValue, YamlValue>>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(parser, anchors, file, path, findings);
                    var key = keyNode as YamlScalarValue ?? new YamlScalarValue("?", false, keyNode.Line, keyNode.Column);
                    var child = ReadNode(parser, anchors, file, ConfigPath.Child(path, key.Text), findings);
                    var existing = entries.FindIndex(e => e.Key.Text == key.Text);
                    if (existing >= 0)
                    {
                        findings.Add(new ConfigFinding(FindingSeverity.Warning, file, ConfigPath.Child(path, key.Text),
                            "repeated key; the last value wins", key.Line, key.Column));
                        entries.RemoveAt(existing);
                    }

                    entries.Add(new(key, child));
                }

                value = new YamlMappingValue(entries, line, column);
                break;
            default:
                throw new YamlException(node.Start, node.End, "unexpected YAML event");
        }

        if (!node.Anchor.IsEmpty)
        {
            anchors[node.Anchor.Value] = value;
        }

        return value;
    }

    private static void CheckTag(NodeEvent node, string file, string path, List<ConfigFinding> findings)
    {
        if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && !StandardTags.Contains(node.Tag.Value))
        {
            findings.Add(new ConfigFinding(FindingSeverity.Error, file, path, $"custom tag '{node.Tag.Value}' is not allowed",
                (int)node.Start.Line, (int)node.Start.Column));
        }
    }
}
