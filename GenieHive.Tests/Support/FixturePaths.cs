namespace GenieHive.Tests.Support;

internal static class FixturePaths
{
    /// <summary>
    /// The Python GenieHive's example configs (MIT, see LICENSE-geniehive-python.txt there), copied from the spec's
    /// reference folder so the tests run on a fresh clone anywhere.
    /// </summary>
    public static string PythonConfigs { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "python-configs");
}
