namespace GenieHive.Control.Config;

/// <summary>Start-up found configuration errors: Program prints every finding and exits with code 2.</summary>
public sealed class ConfigValidationException : Exception
{
    public ConfigValidationException(IReadOnlyList<ConfigFinding> findings)
        : base(string.Join(Environment.NewLine, findings))
    {
        Findings = findings;
    }

    public ConfigValidationException()
        : this([])
    {
    }

    public ConfigValidationException(string message)
        : base(message)
    {
        Findings = [];
    }

    public ConfigValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Findings = [];
    }

    public IReadOnlyList<ConfigFinding> Findings { get; }
}
