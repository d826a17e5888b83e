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
