namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// A loaded model's process, whichever engine started it: the agent's own runtime host
/// (<see cref="RuntimeHostProcess"/>) or an external server (<see cref="ServerProcess"/>). Disposing stops it.
/// </summary>
internal interface IModelProcess : IAsyncDisposable
{
    int Pid { get; }

    /// <summary>The loopback port it serves OpenAI requests on.</summary>
    int Port { get; }

    /// <summary>Completes with the exit code when the process ends, for any reason.</summary>
    Task<int> Exited { get; }

    /// <summary>True once disposing began: an exit then is ours, not a crash.</summary>
    bool Stopping { get; }

    /// <summary>Why the process ended, for <c>runtime.last_error</c>.</summary>
    string ExitReason(int exitCode, string when);
}
