using System.Globalization;
using System.Text.Json.Nodes;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>
/// Reads the keys of one typed mapping, converting scalars as config.md §0 says and recording every problem;
/// <see cref="Finish"/> warns about the keys nobody asked for.
/// </summary>
internal sealed class MapReader
{
    private readonly ConfigReader _reader;
    private readonly Dictionary<string, KeyValuePair<YamlScalarValue, YamlValue>> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public MapReader(ConfigReader reader, YamlMappingValue? map, string path)
    {
        _reader = reader;
        Node = map;
        Path = path;
        if (map is not null)
        {
            foreach (var entry in map.Entries)
            {
                _entries[entry.Key.Text] = entry;
            }
        }
    }

    public YamlMappingValue? Node { get; }

    public string Path { get; }

    public ConfigReader Reader => _reader;

    public string PathOf(string key) => ConfigPath.Child(Path, key);

    public bool Has(string key) => Value(key) is not null;

    /// <summary>The key's value, null when absent or explicitly null; marks it as known.</summary>
    public YamlValue? Value(string key)
    {
        _used.Add(key);
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        return entry.Value is YamlScalarValue { IsNull: true } ? null : entry.Value;
    }

    /// <summary>Where to point a finding about <paramref name="key"/>: its value, else the mapping.</summary>
    public YamlValue? At(string key) => _entries.TryGetValue(key, out var entry) ? entry.Value : Node;

    public string? String(string key, string? fallback = null)
    {
        var value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (value is YamlScalarValue scalar)
        {
            return scalar.Text;
        }

        _reader.Error(PathOf(key), "must be a string", value);
        return fallback;
    }

    public string RequiredString(string key, bool nonEmpty = true)
    {
        var value = Value(key);
        if (value is null)
        {
            _reader.Error(PathOf(key), "is required", At(key));
            return "";
        }

        var text = String(key);
        if (text is not null && nonEmpty && text.Length == 0)
        {
            _reader.Error(PathOf(key), "must not be empty", value);
        }

        return text ?? "";
    }

    public long? Long(string key, long? fallback, long min = long.MinValue, long max = long.MaxValue)
    {
        var value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (value is YamlScalarValue scalar && ScalarText.TryInteger(scalar, out var number))
        {
            if (number < min || number > max)
            {
                _reader.Error(PathOf(key), RangeText("an integer", min, max, scalar.Text), value);
                return fallback;
            }

            return number;
        }

        _reader.Error(PathOf(key), $"must be an integer; got {Show(value)}", value);
        return fallback;
    }

    public int? Int(string key, int? fallback, int min = int.MinValue, int max = int.MaxValue) =>
        (int?)Long(key, fallback, min, max);

    /// <summary>A number; <paramref name="above"/> is an exclusive lower bound, <paramref name="min"/> inclusive.</summary>
    public double? Number(string key, double? fallback, double? min = null, double? max = null, double? above = null)
    {
        var value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (value is YamlScalarValue scalar && ScalarText.TryNumber(scalar, out var number) && double.IsFinite(number))
        {
            if ((min is { } lo && number < lo) || (max is { } hi && number > hi) || (above is { } gt && number <= gt))
            {
                var rule = above is { } a ? $"must be a number > {Fmt(a)}" :
                    max is { } m ? $"must be a number from {Fmt(min ?? double.MinValue)} to {Fmt(m)}" : $"must be a number ≥ {Fmt(min ?? 0)}";
                _reader.Error(PathOf(key), $"{rule}; got {scalar.Text}", value);
                return fallback;
            }

            return number;
        }

        _reader.Error(PathOf(key), $"must be a number; got {Show(value)}", value);
        return fallback;
    }

    public bool Bool(string key, bool fallback)
    {
        var value = Value(key);
        if (value is null)
        {
            return fallback;
        }

        if (value is YamlScalarValue scalar && ScalarText.TryBoolean(scalar.Text, out var flag))
        {
            return flag;
        }

        _reader.Error(PathOf(key), $"must be a boolean; got {Show(value)}", value);
        return fallback;
    }

    /// <summary>One of <paramref name="allowed"/>; another value is an error, or a warning and the fallback.</summary>
    public string? OneOf(string key, string? fallback, IReadOnlyList<string> allowed, bool warnOnly = false, bool required = false)
    {
        if (required && Value(key) is null)
        {
            _reader.Error(PathOf(key), "is required", At(key));
            return fallback;
        }

        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (allowed.Contains(text))
        {
            return text;
        }

        var reason = $"must be one of {string.Join(", ", allowed)}; got \"{text}\"";
        if (warnOnly)
        {
            _reader.Warning(PathOf(key), reason + $"; using {fallback ?? "none"}", At(key));
            return fallback;
        }

        _reader.Error(PathOf(key), reason, At(key));
        return fallback;
    }

    public MapReader Section(string key) => _reader.Map(Value(key), PathOf(key));

    /// <summary>The items of a list key with their paths; null or absent = empty; another shape = error.</summary>
    public IReadOnlyList<(YamlValue Node, string Path)> List(string key)
    {
        var value = Value(key);
        switch (value)
        {
            case null:
                return [];
            case YamlSequenceValue sequence:
                var items = new List<(YamlValue, string)>(sequence.Items.Count);
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    items.Add((sequence.Items[i], ConfigPath.Index(PathOf(key), i)));
                }

                return items;
            default:
                _reader.Error(PathOf(key), "must be a list", value);
                return [];
        }
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var result = new List<string>();
        foreach (var (node, path) in List(key))
        {
            if (node is YamlScalarValue scalar && !scalar.IsNull)
            {
                result.Add(scalar.Text);
            }
            else
            {
                _reader.Error(path, "must be a string", node);
            }
        }

        return result;
    }

    /// <summary>A free map of strings (labels): each value must be a scalar.</summary>
    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var map = Value(key);
        if (map is null)
        {
            return result;
        }

        if (map is not YamlMappingValue mapping)
        {
            _reader.Error(PathOf(key), "must be a mapping", map);
            return result;
        }

        foreach (var (k, v) in mapping.Entries)
        {
            if (v is YamlScalarValue scalar && !scalar.IsNull)
            {
                result[k.Text] = scalar.Text;
            }
            else
            {
                _reader.Error(ConfigPath.Child(PathOf(key), k.Text), "must be a string", v);
            }
        }

        return result;
    }

    public IReadOnlyDictionary<string, bool> BoolMap(string key)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        var map = Value(key);
        if (map is null)
        {
            return result;
        }

        if (map is not YamlMappingValue mapping)
        {
            _reader.Error(PathOf(key), "must be a mapping", map);
            return result;
        }

        foreach (var (k, v) in mapping.Entries)
        {
            if (v is YamlScalarValue scalar && ScalarText.TryBoolean(scalar.Text, out var flag))
            {
                result[k.Text] = flag;
            }
            else
            {
                _reader.Error(ConfigPath.Child(PathOf(key), k.Text), $"must be a boolean; got {Show(v)}", v);
            }
        }

        return result;
    }

    /// <summary>A free map whose values keep their YAML 1.1 types (config.md §0), e.g. <c>body_defaults</c>.</summary>
    public JsonObject FreeMap(string key, bool scalarsOnly = false)
    {
        var result = new JsonObject();
        var map = Value(key);
        if (map is null)
        {
            return result;
        }

        if (map is not YamlMappingValue mapping)
        {
            _reader.Error(PathOf(key), "must be a mapping", map);
            return result;
        }

        foreach (var (k, v) in mapping.Entries)
        {
            if (scalarsOnly && v is not YamlScalarValue)
            {
                _reader.Error(ConfigPath.Child(PathOf(key), k.Text), "must be a scalar, not a list or mapping", v);
                continue;
            }

            result[k.Text] = ScalarText.ToJson(v);
        }

        return result;
    }

    /// <summary>Warns about every key of the mapping that no reader asked for (D14).</summary>
    public void Finish()
    {
        foreach (var (key, entry) in _entries)
        {
            if (!_used.Contains(key))
            {
                _reader.Warning(PathOf(key), "unknown key", entry.Key);
            }
        }
    }

    private static string Show(YamlValue value) => value switch
    {
        YamlScalarValue s => $"\"{s.Text}\"",
        YamlSequenceValue => "a list",
        _ => "a mapping",
    };

    private static string RangeText(string what, long min, long max, string got) => (min, max) switch
    {
        (long.MinValue, long.MaxValue) => $"must be {what}; got {got}",
        (_, long.MaxValue) => $"must be {what} ≥ {min}; got {got}",
        _ => $"must be {what} from {min} to {max}; got {got}",
    };

    private static string Fmt(double value) => value.ToString(CultureInfo.InvariantCulture);
}
