namespace GenieHive.Control;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var app = ControlPlaneApp.Build(args);
        await app.RunAsync();
        return 0;
    }
}
