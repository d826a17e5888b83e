using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Config;

public sealed class ProgramExitTests
{
    [Fact]
    public async Task Main_prints_every_error_to_stderr_and_returns_2_without_listening()
    {
        using var dir = new TempDirectory();
        var port = FreePort.Next();
        dir.Write("control.yaml", $"server: {{ host: 127.0.0.1, port: {port} }}\nrouting: {{ health_stale_after_s: -1, probe_timeout_s: 0 }}\n");
        var stderr = new StringWriter();
        var original = Console.Error;
        var inherited = Environment.GetEnvironmentVariable(InlineIo.Variable);
        int code;
        try
        {
            Console.SetError(stderr);

            // Main turns inline I/O on for the whole process (InlineIo.Apply); "0" keeps it off here, so the apps the
            // other tests build in this process keep Kestrel's default scheduling whatever order the tests run in.
            // (Children those apps start then get "0", the runtime's default, instead of no value: the same.)
            Environment.SetEnvironmentVariable(InlineIo.Variable, "0");
            code = await GenieHive.Control.Program.Main(["--config", dir.Combine("control.yaml"), "--contentRoot", dir.Path]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(InlineIo.Variable, inherited);
            Console.SetError(original);
        }


        Assert.Equal(2, code);
        var lines = stderr.ToString();
        Assert.Contains("error   ", lines, StringComparison.Ordinal);
        Assert.Contains("routing.health_stale_after_s: must be > 0; got -1 (line 2, column 34)", lines, StringComparison.Ordinal);
        Assert.Contains("routing.probe_timeout_s: must be > 0; got 0", lines, StringComparison.Ordinal);
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
    }
}
