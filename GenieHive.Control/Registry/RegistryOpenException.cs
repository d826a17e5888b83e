namespace GenieHive.Control.Registry;

/// <summary>The registry cannot be opened (config.md §1.1 "Cannot open → error", §6 newer schema).</summary>
public sealed class RegistryOpenException : Exception
{
    public RegistryOpenException()
    {
    }

    public RegistryOpenException(string message)
        : base(message)
    {
    }

    public RegistryOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
