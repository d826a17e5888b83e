using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Inline I/O for the two GenieHive processes (docs/architecture.md "Inline I/O"): socket completions run on the
/// socket engine's own threads (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>) and Kestrel runs its
/// connections' pipes inline (<see cref="SocketTransportOptions.UnsafePreferInlineScheduling"/>). A proxied event
/// then goes from the upstream socket's readiness to the client socket's write on one thread, with no thread-pool
/// hand-off in between; with hand-offs, every hop woke parked pool workers and left them spinning, which on a
/// small machine took CPU from the model computing the next token. It is safe here because no request path of
/// either process blocks a thread: SQLite runs on the registry writer's own loop, model computation in the
/// runtime-host processes, which keep the runtime's defaults.
/// <para>On by default; any value other than <c>1</c> of <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> in the
/// environment (<c>0</c>, say) turns both off. Child processes (runtime hosts, external model servers, nvidia-smi) get
/// the value this process started with, or none: the default is this process's own.</para>
/// </summary>
public static class InlineIo
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static bool s_applied;
    private static string? s_inherited;

    /// <summary>Whether this process runs with inline I/O (false until <see cref="Apply"/> ran).</summary>
    public static bool Enabled { get; private set; }

    /// <summary>
    /// Turns inline socket completions on unless the environment already decided. Must run first in <c>Main</c>:
    /// the runtime reads the variable once, when the first socket is created.
    /// </summary>
    public static void Apply()
    {
        if (s_applied)
        {
            return;
        }

        s_applied = true;
        s_inherited = Environment.GetEnvironmentVariable(Variable);
        var value = Decide(s_inherited);
        if (value != s_inherited)
        {
            Environment.SetEnvironmentVariable(Variable, value);
        }

        // The runtime reads only "1", and only on Unix (Windows sockets complete on I/O completion ports).
        Enabled = value == "1" && !OperatingSystem.IsWindows();
    }

    /// <summary>
    /// Bodies above this size are parsed, validated or serialised off the socket thread: with inline I/O a
    /// continuation that runs for milliseconds holds up every other connection of that socket thread.
    /// </summary>
    public const int LargeBodyBytes = 64 * 1024;

    /// <summary>
    /// Moves the rest of the calling method to the thread pool when <paramref name="bytes"/> is above
    /// <see cref="LargeBodyBytes"/> (a yield costs a hand-off, so small bodies stay where they are).
    /// </summary>
    public static async ValueTask LeaveSocketThreadForAsync(long bytes)
    {
        if (Enabled && bytes > LargeBodyBytes)
        {
            await Task.Yield();
        }
    }

    /// <summary>The value this process runs with, given the one it inherited: the inherited one when set and not empty, else "1".</summary>
    public static string Decide(string? inherited) => string.IsNullOrEmpty(inherited) ? "1" : inherited;

    /// <summary>Gives a child process's environment the value this process inherited (removed when it had none).</summary>
    public static void RestoreInherited(IDictionary<string, string?> environment)
    {
        if (s_applied)
        {
            Restore(environment, s_inherited);
        }
    }

    /// <summary>Sets <see cref="Variable"/> in <paramref name="environment"/> to <paramref name="inherited"/>, or removes it when null.</summary>
    public static void Restore(IDictionary<string, string?> environment, string? inherited)
    {
        if (inherited is null)
        {
            environment.Remove(Variable);
        }
        else
        {
            environment[Variable] = inherited;
        }
    }

    /// <summary>Kestrel's transport options for a bare listener of this process (simulated servers, runtime endpoints).</summary>
    public static SocketTransportOptions TransportOptions() => new() { UnsafePreferInlineScheduling = Enabled };

    /// <summary>Kestrel of the app: pipes scheduled inline when this process runs with inline I/O.</summary>
    public static WebApplicationBuilder UseInlineIo(this WebApplicationBuilder builder)
    {
        if (Enabled)
        {
            builder.WebHost.UseSockets(options => options.UnsafePreferInlineScheduling = true);
        }

        return builder;
    }
}
