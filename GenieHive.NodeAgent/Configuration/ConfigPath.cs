namespace GenieHive.NodeAgent.Configuration;

/// <summary>Key paths as config.md §5.1 prints them: dots, <c>[i]</c> indices, <c>(root)</c> for the file.</summary>
internal static class ConfigPath
{
    public const string Root = "(root)";

    public static string Child(string parent, string key)
    {
        var safe = IsIdentifier(key) ? key : $"[\"{key}\"]";
        if (parent == Root)
        {
            return safe;
        }

        return safe.StartsWith('[') ? parent + safe : parent + "." + safe;
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    private static bool IsIdentifier(string key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
