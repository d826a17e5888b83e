using System.Globalization;
using System.Text.Json.Nodes;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>YAML 1.1 scalar typing as the Python GenieHive's loader read it (config.md §0).</summary>
internal static class ScalarText
{
    public static bool TryBoolean(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                value = true;
                return true;
            case "false" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>Integral numbers, plain or quoted digits (<c>"8891"</c>), and integral decimals (<c>30.0</c>).</summary>
    public static bool TryInteger(YamlScalarValue scalar, out long value)
    {
        var text = scalar.Text.Replace("_", "", StringComparison.Ordinal).Trim();
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (scalar.Plain && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && double.IsFinite(d) && Math.Floor(d) == d && Math.Abs(d) < 9e15)
        {
            value = (long)d;
            return true;
        }

        return false;
    }

    public static bool TryNumber(YamlScalarValue scalar, out double value)
    {
        var text = scalar.Text.Replace("_", "", StringComparison.Ordinal).Trim();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>A free value with its YAML 1.1 type: null, boolean word, integer, decimal; quoted or other text is a string.</summary>
    public static JsonNode? ToJson(YamlValue value)
    {
        switch (value)
        {
            case YamlScalarValue scalar:
                if (!scalar.Plain)
                {
                    return JsonValue.Create(scalar.Text);
                }

                if (scalar.IsNull)
                {
                    return null;
                }

                if (TryBoolean(scalar.Text, out var flag))
                {
                    return JsonValue.Create(flag);
                }

                if (long.TryParse(scalar.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return JsonValue.Create(integer);
                }

                if (LooksDecimal(scalar.Text)
                    && decimal.TryParse(scalar.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return JsonValue.Create(number);
                }

                return JsonValue.Create(scalar.Text);
            case YamlSequenceValue sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Items)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case YamlMappingValue mapping:
                var obj = new JsonObject();
                foreach (var (k, v) in mapping.Entries)
                {
                    obj[k.Text] = ToJson(v);
                }

                return obj;
            default:
                return null;
        }
    }

    private static bool LooksDecimal(string text)
    {
        var sawDigit = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                sawDigit = true;
            }
            else if (c is not ('.' or '-' or '+' or 'e' or 'E'))
            {
                return false;
            }
        }

        return sawDigit;
    }
}
