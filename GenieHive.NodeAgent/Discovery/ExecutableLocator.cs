namespace GenieHive.NodeAgent.Discovery;

/// <summary>Finds an executable on a PATH-style search list; the list is injected so tests need not touch the process's PATH.</summary>
internal sealed class ExecutableLocator(string? searchPath)
{
    public static ExecutableLocator FromEnvironment() => new(Environment.GetEnvironmentVariable("PATH"));

    public string? Find(string name)
    {
        if (string.IsNullOrEmpty(searchPath))
        {
            return null;
        }

        var candidates = OperatingSystem.IsWindows() ? [name + ".exe", name] : new[] { name };
        foreach (var folder in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var candidate in candidates)
            {
                var full = Path.Combine(folder, candidate);
                if (File.Exists(full) && IsExecutable(full))
                {
                    return full;
                }
            }
        }

        return null;
    }

    private static bool IsExecutable(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}
