namespace GenieHive.Tests.Support;

/// <summary>Paths and files inside a <see cref="TempDirectory"/>.</summary>
internal static class TempDirectoryFiles
{
    public static string Combine(this TempDirectory dir, params string[] parts) => Path.Combine([dir.Path, .. parts]);

    /// <summary>Writes <paramref name="content"/> at <paramref name="relative"/>, creating folders; returns the full path.</summary>
    public static string Write(this TempDirectory dir, string relative, string content)
    {
        var full = dir.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }
}
