using System.Globalization;
using System.Text.RegularExpressions;

namespace GenieHive.Control.Config;

/// <summary>A scalar with YAML 1.1 implicit typing (PyYAML's resolver) for plain scalars; quoted ones are strings.</summary>
public sealed partial class ConfigScalar(string text, bool plain, int line, int column) : ConfigNode(line, column)
{
    public string Text { get; } = text;

    /// <summary>Plain (unquoted, not a block scalar, not tagged <c>!!str</c>): subject to implicit typing.</summary>
    public bool IsPlain { get; } = plain;

    public override string KindName => "a scalar";

    public bool IsNull => IsPlain && (Text.Length == 0 || Text is "~" or "null" or "Null" or "NULL");

    public bool? AsBoolean() =>
        IsPlain ? ParseBooleanWord(Text) : null;

    /// <summary>YAML 1.1 boolean words, any case (config.md §0).</summary>
    public static bool? ParseBooleanWord(string text) => text.ToLowerInvariant() switch
    {
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        _ => null,
    };

    /// <summary>The integer a plain scalar denotes under YAML 1.1 (decimal, 0x, 0b, leading-0 octal, <c>_</c> separators).</summary>
    public long? AsInteger() => IsPlain ? ParseYamlInteger(Text) : null;

    /// <summary>The number a plain scalar denotes under YAML 1.1 (integers or floats, <c>.inf</c>, <c>.nan</c>).</summary>
    public double? AsNumber()
    {
        if (!IsPlain)
        {
            return null;
        }

        if (ParseYamlInteger(Text) is { } integer)
        {
            return integer;
        }

        return ParseYamlFloat(Text);
    }

    public static long? ParseYamlInteger(string text)
    {
        if (!IntegerPattern().IsMatch(text))
        {
            return null;
        }

        var negative = text.StartsWith('-');
        var body = text.TrimStart('+', '-').Replace("_", string.Empty, StringComparison.Ordinal);
        try
        {
            long value;
            if (body.StartsWith("0x", StringComparison.Ordinal))
            {
                value = long.Parse(body[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
            else if (body.StartsWith("0b", StringComparison.Ordinal))
            {
                value = Convert.ToInt64(body[2..], 2);
            }
            else if (body.Length > 1 && body[0] == '0')
            {
                value = Convert.ToInt64(body[1..], 8);
            }
            else
            {
                value = long.Parse(body, NumberStyles.None, CultureInfo.InvariantCulture);
            }

            return negative ? -value : value;
        }
        catch (OverflowException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static double? ParseYamlFloat(string text)
    {
        switch (text)
        {
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF":
                return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN":
                return double.NaN;
        }

        if (!FloatPattern().IsMatch(text))
        {
            return null;
        }

        var cleaned = text.Replace("_", string.Empty, StringComparison.Ordinal);
        return double.TryParse(cleaned, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    [GeneratedRegex(@"^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(?:[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?)$")]
    private static partial Regex FloatPattern();
}
