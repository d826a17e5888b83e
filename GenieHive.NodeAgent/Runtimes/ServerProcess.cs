using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// One external OpenAI-compatible server of the <c>process</c> engine (a CUDA <c>llama-server</c>, vLLM, …), started
/// from the entry's command on a loopback port the agent draws, and ready once its health path answers below 400.
/// Everything it prints goes to a bounded <see cref="LineTail"/>, shown only in the error of a failed start or crash.
/// </summary>
internal sealed class ServerProcess : IModelProcess
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(2);
    private readonly Process _process;
    private readonly LineTail _tail = new();
    private int _stopping;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Pid { get; private set; }

    public int Port { get; }

    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    public bool Stopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>Starts the server and polls its health: the process, or why it did not come up.</summary>
    public static async Task<(ServerProcess? Process, string? Failure, bool TimedOut)> StartAsync(RuntimeModel model, HttpMessageInvoker http,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var port = FreePort();
        ProcessStartInfo start;
        try
        {
            start = ServerCommand.For(model, port);
        }
        catch (InvalidOperationException ex)
        {
            return (null, "cannot start the server: " + ex.Message, false);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var server = new ServerProcess(process, port);
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult(SafeExitCode(process));
        process.OutputDataReceived += (_, e) => server._tail.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server._tail.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            return (null, $"cannot start the server '{start.FileName}': {ex.Message}", false);
        }

        server.Pid = process.Id;
        server.Exited = exited.Task;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var health = new Uri($"http://127.0.0.1:{port}{model.Entry.HealthPath}");
        try
        {
            while (true)
            {
                if (exited.Task.IsCompleted)
                {
                    await process.WaitForExitAsync(CancellationToken.None);
                    var reason = server.ExitReason(exited.Task.Result, "at start");
                    await server.DisposeAsync();
                    return (null, reason, false);
                }

                if (await IsHealthyAsync(http, health, deadline.Token))
                {
                    return (server, null, false);
                }

                await Task.WhenAny(exited.Task, Task.Delay(PollInterval, deadline.Token));
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            await server.DisposeAsync();
            return cancellationToken.IsCancellationRequested
                ? (null, "the load was cancelled", false)
                : (null, $"the server did not answer {model.Entry.HealthPath} within {timeout.TotalSeconds:0.#} s", true);
        }
    }

    public string ExitReason(int exitCode, string when)
    {
        var code = ChildProcess.ExitCodeText(exitCode);
        var tail = _tail.Last(5);
        var detail = tail.Count == 0 ? "" : "; its last lines: " + string.Join(" | ", tail);
        return $"the server exited with code {code} {when}{detail}";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;
        }

        await ChildProcess.StopAsync(_process);
    }

    private static async Task<bool> IsHealthyAsync(HttpMessageInvoker http, Uri health, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(PollTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, health);
            using var response = await http.SendAsync(request, attempt.Token);
            return (int)response.StatusCode < 400;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A loopback port nothing listens on now; the server binds it a moment later.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
