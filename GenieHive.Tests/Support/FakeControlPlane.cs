using System.Collections.Concurrent;
using System.Text.Json;

namespace GenieHive.Tests.Support;

/// <summary>
/// A control plane that speaks just the node protocol on real Kestrel at a fixed 127.0.0.1 port (so a test can stop
/// it and start a new one on the same port): registration remembers the host, a heartbeat from an unknown host is
/// 404 <c>unknown_host</c>. Every accepted call is recorded and signalled.
/// </summary>
internal sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, bool> _hosts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Path, JsonElement Body)> _calls = new();
    private readonly List<(Func<string, JsonElement, bool> Match, TaskCompletionSource<JsonElement> Signal)> _waits = [];
    private readonly Lock _gate = new();
    private KestrelHost? _host;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public IReadOnlyCollection<(string Path, JsonElement Body)> Calls => _calls;

    private FakeControlPlane(int port) => Port = port;

    public static async Task<FakeControlPlane> StartAsync(int port)
    {
        var fake = new FakeControlPlane(port);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(fake.Url);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/nodes/register", (JsonElement body) =>
        {
            fake._hosts[body.GetProperty("host_id").GetString()!] = true;
            fake.Record("/v1/nodes/register", body);
            return Results.Json(new { status = "ok" });
        });
        app.MapPost("/v1/nodes/heartbeat", (JsonElement body) =>
        {
            if (!fake._hosts.ContainsKey(body.GetProperty("host_id").GetString()!))
            {
                return Results.Json(new { error = new { message = "Unknown host.", type = "invalid_request_error", code = "unknown_host", param = "host_id" } },
                    statusCode: 404);
            }

            fake.Record("/v1/nodes/heartbeat", body);
            return Results.Json(new { status = "ok" });
        });
        fake._host = await KestrelHost.StartAsync(app);
        return fake;
    }

    /// <summary>Completes with the first call (already made or still to come) on <paramref name="path"/> that matches.</summary>
    public Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool>? match = null)
    {
        var signal = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var (p, body) in _calls)
            {
                if (p == path && (match?.Invoke(body) ?? true))
                {
                    signal.TrySetResult(body);
                    return signal.Task;
                }
            }

            _waits.Add(((p, b) => p == path && (match?.Invoke(b) ?? true), signal));
        }

        return signal.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private void Record(string path, JsonElement body)
    {
        var copy = body.Clone();
        lock (_gate)
        {
            _calls.Enqueue((path, copy));
            foreach (var (match, signal) in _waits)
            {
                if (match(path, copy))
                {
                    signal.TrySetResult(copy);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }
    }
}
