using System.Diagnostics;
using System.Globalization;
using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>
/// GPUs from <c>nvidia-smi</c> when it is on the PATH (routing.md "Host discovery"): 5 s timeout; absent, failing or
/// unreadable → null, logged once.
/// </summary>
internal sealed partial class GpuProbe(ExecutableLocator locator, ILogger<GpuProbe> logger)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private const string Arguments = "--query-gpu=index,name,memory.total,memory.used --format=csv,noheader,nounits";
    private const long MiB = 1024 * 1024;
    private int _loggedFailure;

    public async Task<IReadOnlyList<GpuInfo>?> ProbeAsync(CancellationToken cancellationToken)
    {
        var executable = locator.Find("nvidia-smi");
        if (executable is null)
        {
            LogOnce(() => logger.NvidiaSmiAbsent());
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(executable, Arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                CreateNoWindow = true,
            },
        };
        InlineIo.RestoreInherited(process.StartInfo.Environment);
        try
        {
            process.Start();
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var text = await output;
            await errors;
            if (process.ExitCode != 0)
            {
                LogOnce(() => logger.NvidiaSmiFailed($"exit code {process.ExitCode}"));
                return null;
            }

            var gpus = Parse(text);
            if (gpus is null)
            {
                LogOnce(() => logger.NvidiaSmiFailed("unreadable output"));
            }

            return gpus;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            LogOnce(() => logger.NvidiaSmiFailed("timed out after 5 s"));
            return null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            LogOnce(() => logger.NvidiaSmiFailed(ex.Message));
            return null;
        }
    }

    /// <summary>Parses <c>index, name, total MiB, used MiB</c> lines; null when any line is malformed.</summary>
    public static IReadOnlyList<GpuInfo>? Parse(string text)
    {
        var gpus = new List<GpuInfo>();
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = raw.Split(',', StringSplitOptions.TrimEntries);
            if (parts.Length != 4
                || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)
                || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var totalMiB)
                || !double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var usedMiB))
            {
                return null;
            }

            var total = (long)(totalMiB * MiB);
            gpus.Add(new GpuInfo($"cuda:{index}", parts[1], Math.Round(total / (double)(1024 * MiB), 1), total, (long)(usedMiB * MiB)));
        }

        return gpus.Count == 0 ? null : gpus;
    }

    private void LogOnce(Action log)
    {
        if (Interlocked.Exchange(ref _loggedFailure, 1) == 0)
        {
            log();
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
