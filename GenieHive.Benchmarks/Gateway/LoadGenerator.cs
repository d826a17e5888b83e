using System.Buffers;
using System.Diagnostics;

namespace GenieHive.Benchmarks.Gateway;

/// <summary>One measured request: latency from its start (closed loop) or due time (open loop), and time to first byte.</summary>
internal readonly record struct Sample(double LatencyMs, double FirstByteMs, bool Ok);

/// <summary>
/// Drives one path with one request kind, closed loop (N workers, each sends the next request when the previous
/// completes) or open loop (requests due at a fixed rate, latency charged from the due time so queueing behind a
/// slow response counts: no coordinated omission).
/// </summary>
internal sealed class LoadGenerator(HttpClient http, Uri baseUrl, string model, string? apiKey, GatewayRequestKind kind)
{
    /// <summary>A few requests one after another, so JIT and connection set-up stay out of the measured window.</summary>
    public async Task PrimeAsync(int count, CancellationToken ct)
    {
        for (var i = 0; i < count; i++)
        {
            await SendAsync(Stopwatch.GetTimestamp(), ct);
        }
    }

    public async Task<List<Sample>> ClosedLoopAsync(int concurrency, TimeSpan warmup, TimeSpan window, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureUntil = measureFrom + (long)(window.TotalSeconds * Stopwatch.Frequency);
        var perWorker = new List<Sample>[concurrency];
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var samples = perWorker[w] = [];
            workers[w] = Task.Run(async () =>
            {
                while (!ct.IsCancellationRequested)
                {
                    var began = Stopwatch.GetTimestamp();
                    if (began >= measureUntil)
                    {
                        return;
                    }

                    var sample = await SendAsync(began, ct);
                    if (began >= measureFrom && Stopwatch.GetTimestamp() <= measureUntil)
                    {
                        samples.Add(sample);
                    }
                }
            }, ct);
        }

        await Task.WhenAll(workers);
        return [.. perWorker.SelectMany(s => s)];
    }

    public async Task<List<Sample>> OpenLoopAsync(double ratePerSecond, TimeSpan warmup, TimeSpan window, CancellationToken ct)
    {
        var interval = Stopwatch.Frequency / ratePerSecond;
        var start = Stopwatch.GetTimestamp();
        var total = (int)((warmup + window).TotalSeconds * ratePerSecond);
        var warmupCount = (int)(warmup.TotalSeconds * ratePerSecond);
        var inflight = new List<Task<Sample>>(total);
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i * interval);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct);
            }

            inflight.Add(SendAsync(due, ct));
        }

        var results = await Task.WhenAll(inflight);
        return [.. results.Skip(warmupCount)];
    }

    private async Task<Sample> SendAsync(long origin, CancellationToken ct)
    {
        using var request = GatewayRequest.Create(kind, baseUrl, model, apiKey);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            double firstByte = -1;
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (firstByte < 0)
                {
                    firstByte = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
                }
            }

            var latency = Stopwatch.GetElapsedTime(origin).TotalMilliseconds;
            return new Sample(latency, firstByte < 0 ? latency : firstByte, response.IsSuccessStatusCode);
        }
        catch (HttpRequestException)
        {
            return new Sample(Stopwatch.GetElapsedTime(origin).TotalMilliseconds, double.NaN, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
