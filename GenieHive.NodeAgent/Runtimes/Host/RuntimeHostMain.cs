using System.Text.Json;
using LLama.Native;
using Microsoft.Extensions.DependencyInjection;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// <c>GenieHive.NodeAgent --runtime-host &lt;spec&gt;</c>: one model in its own process (docs/runtimes.md
/// "Isolation"). It loads the model, listens on 127.0.0.1 at a free port, prints
/// <see cref="RuntimeHostSpec.ReadyPrefix"/> and the port on stdout, and serves until its agent stops it or is gone.
/// A load failure prints <see cref="RuntimeHostSpec.FailedPrefix"/> and the reason, and exits with code 3; a native
/// abort ends only this process, and the agent reads its exit.
/// </summary>
internal static class RuntimeHostMain
{
    public const int LoadFailedExitCode = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        RuntimeHostSpec spec;
        try
        {
            spec = args.Length == 2 ? JsonSerializer.Deserialize(args[1], RuntimeHostJsonContext.Default.RuntimeHostSpec)! : null!;
        }
        catch (JsonException ex)
        {
            await Console.Error.WriteLineAsync("runtime host: bad spec: " + ex.Message);
            return 2;
        }

        if (spec is null)
        {
            await Console.Error.WriteLineAsync($"usage: GenieHive.NodeAgent {RuntimeHostSpec.Argument} <spec json>");
            return 2;
        }

        // Before the model loads and before any thread of ours starts: every thread then inherits the CPUs.
        if (spec.Cpus is { Length: > 0 } cpus && CpuAffinity.PinProcess(cpus) is { } pinFailure)
        {
            Console.Out.WriteLine(RuntimeHostSpec.FailedPrefix + pinFailure);
            await Console.Out.FlushAsync(CancellationToken.None);
            return LoadFailedExitCode;
        }

        // Model computation blocks pool threads (llama.cpp decodes, MiniLM and whisper runs), and this process's
        // network I/O runs on the pool too: with every thread in a computation, a response's bytes (a stream's headers,
        // sent before the prompt is evaluated) would wait for the pool to add a thread, which it does every half second.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, Math.Max(1, spec.Parallel) + Environment.ProcessorCount), completionPorts);

        // Lives as long as the process (never disposed): the exit handler and the parent watch may fire after Main returns.
        var stop = new CancellationTokenSource();
        ParentWatch.Start(spec.ParentPid, stop);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

        LoadedEngines engines;
        try
        {
            engines = await LoadAsync(spec, stop.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Any load failure ends the process with its reason: this process exists to contain exactly this.
            Console.Out.WriteLine(RuntimeHostSpec.FailedPrefix + ex.GetType().Name + ": " + ex.Message.ReplaceLineEndings(" "));
            await Console.Out.FlushAsync(CancellationToken.None);
            return LoadFailedExitCode;
        }

        await using var services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var server = new RuntimeHostServer(spec, engines, TimeProvider.System);
        try
        {
            var port = await server.StartAsync(services, stop.Token);
            Console.Out.WriteLine(RuntimeHostSpec.ReadyPrefix + port);
            await Console.Out.FlushAsync(CancellationToken.None);
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The agent stopped us or is gone.
        }
        finally
        {
            // The server first (it stops Kestrel and its requests), then the models they were using.
            await server.DisposeAsync();
            engines.Dispose();
        }

        return 0;
    }

    private static async Task<LoadedEngines> LoadAsync(RuntimeHostSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Engine == Configuration.RuntimeConfig.MiniLm)
        {
            return new LoadedEngines(null, MiniLmEngine.Load(spec), null);
        }

        if (spec.Engine == Configuration.RuntimeConfig.Whisper)
        {
            return new LoadedEngines(null, null, WhisperEngine.Load(spec));
        }

        // llama.cpp logs every tensor at load; only its warnings and errors reach stderr, where the agent keeps the last lines.
        NativeLibraryConfig.All.WithLogCallback((level, message) =>
        {
            if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error)
            {
                Console.Error.Write(message);
            }
        });
        return spec.Kind == "embeddings"
            ? new LoadedEngines(null, await LlamaEmbeddingEngine.LoadAsync(spec, cancellationToken), null)
            : new LoadedEngines(await LlamaChatEngine.LoadAsync(spec, cancellationToken), null, null);
    }
}
