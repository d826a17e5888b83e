namespace GenieHive.Benchmarks.Cli;

/// <summary>
/// <c>--name value</c> / <c>--name=value</c> / <c>--flag</c> options plus positional arguments. Unknown options are
/// errors, so a typo never silently runs the default.
/// </summary>
internal sealed class CliOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    private CliOptions(List<string> positional) => Positional = positional;

    public List<string> Positional { get; }

    public static CliOptions Parse(IReadOnlyList<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flags)
    {
        var options = new CliOptions([]);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                options.Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }

            if (flags.Contains(name))
            {
                options._values[name] = value ?? "true";
            }
            else if (valueOptions.Contains(name))
            {
                if (value is null)
                {
                    if (i + 1 >= args.Count)
                    {
                        throw new CliException($"option --{name} needs a value");
                    }

                    value = args[++i];
                }

                options._values[name] = value;
            }
            else
            {
                throw new CliException($"unknown option --{name}");
            }
        }

        return options;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public string Get(string name, string fallback) => Get(name) ?? fallback;

    public bool Has(string name) => _values.ContainsKey(name);

    public string Required(string name) =>
        Get(name) is { Length: > 0 } value ? value : throw new CliException($"missing required option --{name}");

    public int GetInt(string name, int fallback, int min, int max)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CliException($"--{name} must be an integer from {min} to {max}; got \"{text}\"");
        }

        return value;
    }

    public double GetDouble(string name, double fallback, double min, double max)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value < min || value > max)
        {
            throw new CliException($"--{name} must be a number from {min} to {max}; got \"{text}\"");
        }

        return value;
    }
}

/// <summary>A user-facing failure: printed as one line <c>geniehive-bench: message</c>, exit code 1 (2 for usage).</summary>
internal sealed class CliException(string message, int exitCode = 2) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
