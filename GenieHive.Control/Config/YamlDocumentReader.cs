using System.Collections.Immutable;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace GenieHive.Control.Config;

/// <summary>
/// Reads one YAML 1.1 document into <see cref="ConfigNode"/>s from YamlDotNet's parser events (config.md §0).
/// The representation model rejects repeated keys and ignores <c>&lt;&lt;</c>, so the tree is built here:
/// aliases resolve to the anchored node, merges apply (explicit keys win, earlier merged maps beat later ones),
/// a repeated key keeps the last value with a warning, custom tags and several documents are errors.
/// </summary>
public static class YamlDocumentReader
{
    private const string StandardTagPrefix = "tag:yaml.org,2002:";
    private const string MergeKey = "<<";

    /// <summary>The document's root, or null for an empty document (all defaults) or on errors (reported).</summary>
    public static ConfigNode? Read(string text, string file, ConfigFindings findings)
    {
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        var context = new Context(file, findings);
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, context, "(root)");
            parser.Consume<DocumentEnd>();
            if (parser.TryConsume<DocumentStart>(out var second))
            {
                findings.Error(file, "(root)", "the file holds several YAML documents; one is allowed",
                    new ConfigScalar(string.Empty, true, (int)second.Start.Line, (int)second.Start.Column));
                return null;
            }

            if (context.Failed)
            {
                return null;
            }

            return root is ConfigScalar { IsNull: true } ? null : root;
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            findings.Add(new ConfigFinding(ConfigSeverity.Error, file, "(root)", $"YAML syntax error: {Clean(message)}",
                (int)ex.Start.Line, (int)ex.Start.Column));
            return null;
        }
    }

    public static ConfigNode? ReadFile(string path, string displayName, ConfigFindings findings)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            findings.Error(displayName, "(root)", ex is FileNotFoundException or DirectoryNotFoundException
                ? "file not found"
                : $"cannot read the file: {ex.Message}");
            return null;
        }

        return Read(text, displayName, findings);
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (...): "; the finding carries the position.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return index >= 0 ? message[(index + 3)..] : message;
    }

    private static ConfigNode ReadNode(IParser parser, Context context, string path)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (context.Anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                return anchored;
            }

            context.Findings.Error(context.File, path, $"unknown alias *{alias.Value.Value}",
                new ConfigScalar(string.Empty, true, Line(alias.Start), Column(alias.Start)));
            context.Failed = true;
            return new ConfigScalar(string.Empty, true, Line(alias.Start), Column(alias.Start));
        }

        ConfigNode node;
        NodeEvent start;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            start = scalar;
            var forcedString = CheckTag(scalar, context, path) == "str";
            var plain = scalar.Style == ScalarStyle.Plain && !forcedString;
            node = new ConfigScalar(scalar.Value, plain, Line(scalar.Start), Column(scalar.Start));
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            start = sequenceStart;
            CheckTag(sequenceStart, context, path);
            var items = ImmutableArray.CreateBuilder<ConfigNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, context, $"{Prefix(path)}[{items.Count}]"));
            }

            node = new ConfigSequence(items.ToImmutable(), Line(sequenceStart.Start), Column(sequenceStart.Start));
        }
        else
        {
            var mappingStart = parser.Consume<MappingStart>();
            start = mappingStart;
            CheckTag(mappingStart, context, path);
            node = ReadMapping(parser, mappingStart, context, path);
        }

        if (!start.Anchor.IsEmpty)
        {
            context.Anchors[start.Anchor.Value] = node;
        }

        return node;
    }

    private static ConfigMapping ReadMapping(IParser parser, MappingStart start, Context context, string path)
    {
        var explicitEntries = new List<ConfigMapping.Entry>();
        var merged = new List<ConfigMapping>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, context, path);
            var keyPath = keyNode is ConfigScalar k ? ConfigPath.Key(path, k.Text) : path;
            var value = ReadNode(parser, context, keyPath);
            if (keyNode is not ConfigScalar key)
            {
                context.Findings.Error(context.File, path, "mapping keys must be scalars", keyNode);
                context.Failed = true;
                continue;
            }

            if (key.IsPlain && key.Text == MergeKey)
            {
                switch (value)
                {
                    case ConfigMapping map:
                        merged.Add(map);
                        break;
                    case ConfigSequence sequence when sequence.Items.All(i => i is ConfigMapping):
                        merged.AddRange(sequence.Items.Cast<ConfigMapping>());
                        break;
                    default:
                        context.Findings.Error(context.File, path, "a << merge takes a mapping or a list of mappings", value);
                        context.Failed = true;
                        break;
                }

                continue;
            }

            var keyText = key.IsNull ? "null" : key.Text;
            var existing = explicitEntries.FindIndex(e => e.Key == keyText);
            if (existing >= 0)
            {
                context.Findings.Warning(context.File, keyPath,
                    $"repeated key \"{keyText}\"; the last value wins (first at line {explicitEntries[existing].KeyNode.Line})", key);
                explicitEntries[existing] = new ConfigMapping.Entry(keyText, key, value);
            }
            else
            {
                explicitEntries.Add(new ConfigMapping.Entry(keyText, key, value));
            }
        }

        foreach (var map in merged)
        {
            foreach (var entry in map.Entries)
            {
                if (!explicitEntries.Exists(e => e.Key == entry.Key))
                {
                    explicitEntries.Add(entry);
                }
            }
        }

        return new ConfigMapping([.. explicitEntries], Line(start.Start), Column(start.Start));
    }

    /// <summary>Standard tags (<c>!!str</c>, <c>!!int</c>...) are accepted; the short name is returned. Custom tags are errors.</summary>
    private static string? CheckTag(NodeEvent node, Context context, string path)
    {
        if (node.Tag.IsEmpty || node.Tag.IsNonSpecific)
        {
            return null;
        }

        var tag = node.Tag.Value;
        if (tag.StartsWith(StandardTagPrefix, StringComparison.Ordinal))
        {
            return tag[StandardTagPrefix.Length..];
        }

        context.Findings.Add(new ConfigFinding(ConfigSeverity.Error, context.File, path,
            $"custom tag {tag} is not allowed", Line(node.Start), Column(node.Start)));
        context.Failed = true;
        return null;
    }

    private static string Prefix(string path) => path == "(root)" ? string.Empty : path;

    private static int Line(Mark mark) => (int)mark.Line;

    private static int Column(Mark mark) => (int)mark.Column;

    private sealed class Context(string file, ConfigFindings findings)
    {
        public string File { get; } = file;

        public ConfigFindings Findings { get; } = findings;

        public Dictionary<string, ConfigNode> Anchors { get; } = new(StringComparer.Ordinal);

        public bool Failed { get; set; }
    }
}
