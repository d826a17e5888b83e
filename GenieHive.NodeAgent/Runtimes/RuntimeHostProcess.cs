using System.Diagnostics;
using GenieHive.NodeAgent.Runtimes.Host;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One runtime-host child process: started, waited for until it prints its port (or fails, exits or times out),
/// and killed with the agent. Its stdin stays open for its whole life: when the agent dies the pipe closes and the
/// host exits (<see cref="ParentWatch"/>). The last lines of its stderr are kept to explain an exit.
/// </summary>
internal sealed class RuntimeHostProcess : IModelProcess
{
    private const int TailLines = 12;
    private readonly Process _process;
    private readonly LineTail _tail = new(TailLines);
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _failure;
    private int _stopping;

    private RuntimeHostProcess(Process process)
    {
        _process = process;
    }

    public int Pid { get; private set; }

    public int Port { get; private set; }

    /// <summary>Completes with the exit code when the process ends, for any reason.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    /// <summary>True once <see cref="DisposeAsync"/> began: an exit then is ours, not a crash.</summary>
    public bool Stopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>Starts the host and waits for its port: a value, or the reason it did not come up.</summary>
    public static async Task<(RuntimeHostProcess? Process, string? Failure, bool TimedOut)> StartAsync(RuntimeHostSpec spec, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var process = new Process { StartInfo = RuntimeHostCommand.For(spec), EnableRaisingEvents = true };
        var host = new RuntimeHostProcess(process);
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult(SafeExitCode(process));
        process.OutputDataReceived += (_, e) => host.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => host._tail.Add(e.Data);
        try
        {
            // Started on its own CPUs when it has some, so that its runtime sizes itself for them.
            CpuAffinity.StartedOn(spec.Cpus, process.Start);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            return (null, "cannot start the runtime host: " + ex.Message, false);
        }

        host.Pid = process.Id;
        host.Exited = exited.Task;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(timeout);
        var first = await Task.WhenAny(host._ready.Task, exited.Task, Task.Delay(Timeout.Infinite, timer.Token));
        var timedOutOrCancelled = timer.IsCancellationRequested;
        // Ends the delay (and its timer registration) whichever task won.
        await timer.CancelAsync();
        if (first == host._ready.Task)
        {
            host.Port = host._ready.Task.Result;
            return (host, null, false);
        }

        var timedOut = timedOutOrCancelled && first != exited.Task;
        string reason;
        if (timedOut)
        {
            reason = cancellationToken.IsCancellationRequested ? "the load was cancelled" : $"the model did not load within {timeout.TotalSeconds:0.#} s";
        }
        else
        {
            // Let the output readers drain, so the reason line is in.
            process.WaitForExit();
            reason = host.ExitReason(exited.Task.Result, "while loading");
        }

        await host.DisposeAsync();
        return (null, reason, timedOut && !cancellationToken.IsCancellationRequested);
    }

    /// <summary>Why the process ended: its own failure line, else its exit code (signal) and last stderr lines.</summary>
    public string ExitReason(int exitCode, string when)
    {
        if (_failure is { } failure)
        {
            return failure;
        }

        var tail = _tail.Last(TailLines);
        var code = ChildProcess.ExitCodeText(exitCode);
        var detail = tail.Count == 0 ? "" : ": " + string.Join(" | ", tail.TakeLast(3));
        return $"the runtime host exited with code {code} {when}{detail}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;
        }

        await ChildProcess.StopAsync(_process);
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith(RuntimeHostSpec.ReadyPrefix, StringComparison.Ordinal)
            && int.TryParse(line.AsSpan(RuntimeHostSpec.ReadyPrefix.Length), out var port))
        {
            _ready.TrySetResult(port);
        }
        else if (line.StartsWith(RuntimeHostSpec.FailedPrefix, StringComparison.Ordinal))
        {
            _failure = "the model failed to load: " + line[RuntimeHostSpec.FailedPrefix.Length..];
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
