using System.Diagnostics;
using System.Text.Json;
using GenieHive.NodeAgent.Runtimes.Host;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// How to start the agent's own binary in runtime-host mode: its apphost when one sits beside the assembly (a
/// published or built agent), else the <c>dotnet</c> host with the assembly (tests and benchmarks, whose process is
/// another program that carries the agent's assembly).
/// </summary>
internal static class RuntimeHostCommand
{
    public static ProcessStartInfo For(RuntimeHostSpec spec)
    {
        var assembly = typeof(RuntimeHostCommand).Assembly.Location;
        var apphost = OperatingSystem.IsWindows() ? Path.ChangeExtension(assembly, ".exe") : Path.ChangeExtension(assembly, null);
        ProcessStartInfo start;
        if (File.Exists(apphost))
        {
            start = new ProcessStartInfo(apphost);
        }
        else
        {
            start = new ProcessStartInfo(DotnetHost());
            start.ArgumentList.Add(assembly);
        }

        start.ArgumentList.Add(RuntimeHostSpec.Argument);
        start.ArgumentList.Add(JsonSerializer.Serialize(spec, RuntimeHostJsonContext.Default.RuntimeHostSpec));
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = AppContext.BaseDirectory;
        // The host is not an ASP.NET Core app of its own: no URLs, no environment-specific settings leak into it.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("DOTNET_URLS");
        // Model computation runs on the host's request threads: not the agent's own inline default there, only a
        // value the agent was itself given.
        InlineIo.RestoreInherited(start.Environment);
        if (spec.Engine == Configuration.RuntimeConfig.Whisper && !start.Environment.ContainsKey("MALLOC_ARENA_MAX"))
        {
            // whisper.cpp allocates each request's state (about 100 MB even for a tiny model: the decoder's logits)
            // on whichever pool thread runs it; glibc gives such threads arenas of their own and keeps what is freed
            // in them, so the host's resident memory climbed by most of a state per request (measured: 69 MB to
            // 646 MB over 17 requests). Two arenas hold it (156 MB after 12 requests, 163 MB after 42).
            start.Environment["MALLOC_ARENA_MAX"] = "2";
        }

        return start;
    }

    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }
}
