namespace GenieHive.Control.Auth;

/// <summary>security.md §4: a key named in a log is <c>***</c> if 12 characters or fewer, else first 6 + <c>...</c> + last 4.</summary>
public static class KeyRedaction
{
    public static string Redact(string key) =>
        key.Length <= 12 ? "***" : $"{key[..6]}...{key[^4..]}";
}
