using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// What one runtime-host process serves, passed as the JSON argument of <c>--runtime-host</c>. The host answers on
/// 127.0.0.1 at a free port, which it announces on stdout (<see cref="ReadyPrefix"/>).
/// </summary>
/// <param name="ParentPid">The agent: the host exits when that process is gone (or its stdin closes).</param>
/// <param name="MaxMultipartBodyBytes">The largest <c>/v1/audio/transcriptions</c> upload (<c>limits.max_multipart_body_bytes</c>).</param>
internal sealed record RuntimeHostSpec(
    string Engine,
    string ModelId,
    string Kind,
    string? ModelPath,
    int Context,
    int Parallel,
    int Queue,
    int? Threads,
    int? Pooling,
    int ParentPid,
    long MaxJsonBodyBytes,
    long MaxMultipartBodyBytes)
{
    public const string Argument = "--runtime-host";
    public const string ReadyPrefix = "geniehive-runtime-ready port=";
    public const string FailedPrefix = "geniehive-runtime-failed ";

    /// <summary>The CPUs the host pins itself to before loading (<c>runtimes[].cpus</c>); null = not pinned.</summary>
    public int[]? Cpus { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(RuntimeHostSpec))]
internal sealed partial class RuntimeHostJsonContext : JsonSerializerContext;
