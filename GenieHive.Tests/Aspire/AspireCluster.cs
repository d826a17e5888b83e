using GenieHive.Tests.Support;

namespace GenieHive.Tests.Aspire;

/// <summary>AppHost arguments for a test cluster: a free control port, a fresh state folder, fixed keys.</summary>
internal static class AspireCluster
{
    public const string ClientKey = "test-client-key-0123456789abcdef";
    public const string NodeKey = "test-node-key-0123456789abcdef00";

    public static string[] Arguments(string stateDirectory, params string[] extra) =>
    [
        $"--GenieHive:Cluster:ControlUrl=http://127.0.0.1:{FreePort.Next()}",
        $"--GenieHive:Cluster:StateDirectory={stateDirectory}",
        $"--Parameters:client-api-key={ClientKey}",
        $"--Parameters:node-api-key={NodeKey}",
        .. extra,
    ];
}
