using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace GenieHive.Control.Config;

/// <summary>
/// Typed reads of one file's mappings with config.md §0 rules, appending a finding for every problem instead of
/// stopping at the first. Absent keys and explicit nulls give null (the caller applies the default).
/// </summary>
public sealed class ConfigReader(string file, ConfigFindings findings)
{
    public string File { get; } = file;

    public ConfigFindings Findings { get; } = findings;

    public void Error(string path, string reason, ConfigNode? at) => Findings.Error(File, path, reason, at);

    public void Warning(string path, string reason, ConfigNode? at) => Findings.Warning(File, path, reason, at);

    /// <summary>Warns about every key of <paramref name="map"/> not in <paramref name="known"/> (D14).</summary>
    public void CheckKnownKeys(ConfigMapping map, string path, params string[] known)
    {
        foreach (var entry in map.Entries)
        {
            if (Array.IndexOf(known, entry.Key) < 0)
            {
                Warning(ConfigPath.Key(path, entry.Key), "unknown key", entry.KeyNode);
            }
        }
    }

    public static ConfigNode? Value(ConfigMapping? map, string key)
    {
        var node = map?[key];
        return node is ConfigScalar { IsNull: true } ? null : node;
    }

    /// <summary>The mapping under <paramref name="key"/>, or null when absent/null; anything else is an error.</summary>
    public ConfigMapping? Mapping(ConfigMapping? map, string path, string key)
    {
        var node = Value(map, key);
        if (node is null or ConfigMapping)
        {
            return (ConfigMapping?)node;
        }

        Error(ConfigPath.Key(path, key), $"must be a mapping; got {node.KindName}", node);
        return null;
    }

    public ConfigSequence? Sequence(ConfigMapping? map, string path, string key)
    {
        var node = Value(map, key);
        if (node is null or ConfigSequence)
        {
            return (ConfigSequence?)node;
        }

        Error(ConfigPath.Key(path, key), $"must be a list; got {node.KindName}", node);
        return null;
    }

    /// <summary><i>string</i>: a scalar's text (<c>asset_id: 7</c> → <c>"7"</c>).</summary>
    public string? String(ConfigMapping? map, string path, string key, bool required = false)
    {
        var node = Value(map, key);
        if (node is null)
        {
            if (required)
            {
                Error(ConfigPath.Key(path, key), "is required", map?[key] ?? map);
            }

            return null;
        }

        if (node is ConfigScalar scalar)
        {
            return scalar.Text;
        }

        Error(ConfigPath.Key(path, key), $"must be a string; got {node.KindName}", node);
        return null;
    }

    /// <summary>A required non-empty string.</summary>
    public string? NonEmptyString(ConfigMapping? map, string path, string key)
    {
        var value = String(map, path, key, required: true);
        if (value is not null && value.Trim().Length == 0)
        {
            Error(ConfigPath.Key(path, key), "must not be empty", map?[key]);
            return null;
        }

        return value;
    }

    public string? Enumeration(ConfigMapping? map, string path, string key, string[] allowed, bool required = false)
    {
        var value = String(map, path, key, required);
        if (value is null)
        {
            return null;
        }

        if (Array.IndexOf(allowed, value) >= 0)
        {
            return value;
        }

        Error(ConfigPath.Key(path, key), $"must be one of {string.Join(", ", allowed)}; got \"{value}\"", map?[key]);
        return null;
    }

    /// <summary><i>integer</i>: integral numbers or quoted digits.</summary>
    public long? Integer(ConfigMapping? map, string path, string key, long? min = null, long? max = null)
    {
        var node = Value(map, key);
        if (node is null)
        {
            return null;
        }

        long? value = null;
        if (node is ConfigScalar scalar)
        {
            value = scalar.IsPlain
                ? scalar.AsInteger() ?? (scalar.AsNumber() is { } d && d == Math.Floor(d) && Math.Abs(d) < 9e15 ? (long)d : null)
                : long.TryParse(scalar.Text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }

        if (value is null)
        {
            Error(ConfigPath.Key(path, key), $"must be an integer; got {Describe(node)}", node);
            return null;
        }

        return InRange(value.Value, min, max, ConfigPath.Key(path, key), node) ? value : null;
    }

    /// <summary><i>number</i>: any number (<c>30</c> → 30.0); quoted numbers are accepted too.</summary>
    public double? Number(ConfigMapping? map, string path, string key, double? min = null, bool minExclusive = false)
    {
        var node = Value(map, key);
        if (node is null)
        {
            return null;
        }

        double? value = null;
        if (node is ConfigScalar scalar)
        {
            value = scalar.IsPlain
                ? scalar.AsNumber()
                : double.TryParse(scalar.Text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        }

        if (value is null || double.IsNaN(value.Value))
        {
            Error(ConfigPath.Key(path, key), $"must be a number; got {Describe(node)}", node);
            return null;
        }

        if (min is { } lower && (minExclusive ? value <= lower : value < lower))
        {
            Error(ConfigPath.Key(path, key), $"must be {(minExclusive ? ">" : "≥")} {lower.ToString(CultureInfo.InvariantCulture)}; got {value.Value.ToString(CultureInfo.InvariantCulture)}", node);
            return null;
        }

        return value;
    }

    /// <summary><i>boolean</i>: <c>true</c>/<c>false</c>/<c>yes</c>/<c>no</c>/<c>on</c>/<c>off</c>, any case.</summary>
    public bool? Boolean(ConfigMapping? map, string path, string key)
    {
        var node = Value(map, key);
        if (node is null)
        {
            return null;
        }

        if (node is ConfigScalar scalar && ConfigScalar.ParseBooleanWord(scalar.Text.Trim()) is { } value)
        {
            return value;
        }

        Error(ConfigPath.Key(path, key), $"must be a boolean (true/false, yes/no, on/off); got {Describe(node)}", node);
        return null;
    }

    /// <summary>A list of strings (each a scalar's text); null when absent.</summary>
    public ImmutableArray<string>? StringList(ConfigMapping? map, string path, string key, bool rejectEmptyItems = false)
    {
        var sequence = Sequence(map, path, key);
        if (sequence is null)
        {
            return null;
        }

        var builder = ImmutableArray.CreateBuilder<string>(sequence.Items.Length);
        for (var i = 0; i < sequence.Items.Length; i++)
        {
            var item = sequence.Items[i];
            if (item is ConfigScalar { IsNull: false } scalar)
            {
                if (rejectEmptyItems && scalar.Text.Length == 0)
                {
                    Error(ConfigPath.Index(ConfigPath.Key(path, key), i), "must not be an empty string", item);
                    continue;
                }

                builder.Add(scalar.Text);
            }
            else
            {
                Error(ConfigPath.Index(ConfigPath.Key(path, key), i), $"must be a string; got {Describe(item)}", item);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>Routing policy lists: trimmed, lower-cased, empties dropped (routing.md).</summary>
    public ImmutableArray<string> NormalizedList(ConfigMapping? map, string path, string key, bool lowerCase = true)
    {
        var raw = StringList(map, path, key);
        if (raw is null)
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var item in raw.Value)
        {
            var trimmed = item.Trim();
            if (trimmed.Length > 0)
            {
                builder.Add(lowerCase ? trimmed.ToLowerInvariant() : trimmed);
            }
        }

        return builder.ToImmutable();
    }

    /// <summary>A free map (<c>body_defaults</c>) as a JSON object keeping YAML 1.1 types; null when absent.</summary>
    public JsonElement? FreeMap(ConfigMapping? map, string path, string key)
    {
        var node = Mapping(map, path, key);
        return node is null ? null : YamlJson.ToJson(node);
    }

    private bool InRange(long value, long? min, long? max, string path, ConfigNode node)
    {
        if ((min is { } lower && value < lower) || (max is { } upper && value > upper))
        {
            var range = (min, max) switch
            {
                ({ } a, { } b) => $"between {a} and {b}",
                ({ } a, null) => $"≥ {a}",
                _ => $"≤ {max}",
            };
            Error(path, $"must be {range}; got {value}", node);
            return false;
        }

        return true;
    }

    private static string Describe(ConfigNode node) =>
        node is ConfigScalar scalar ? $"\"{scalar.Text}\"" : node.KindName;
}
