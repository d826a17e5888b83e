namespace GenieHive.NodeAgent;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var app = NodeAgentApp.Build(args);
        await app.RunAsync();
        return 0;
    }
}
