using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace GenieHive.Benchmarks.Gateway;

/// <summary>
/// A throwaway standalone cluster on loopback: the built control plane and node agent started as plain processes
/// from YAML configs, as production runs them (no Aspire), so their CPU time and RSS can be read. Used by the
/// gateway benchmark and the standalone end-to-end tests. By default the node hosts two fast simulated servers
/// (chat: no TTFT, unpaced, 20 tokens; embeddings: no delay); callers may pass their own simulated servers and roles.
/// </summary>
internal sealed class StandaloneCluster : IAsyncDisposable
{
    public const string ChatModel = "bench-chat-sim";
    public const string EmbeddingsModel = "bench-embed-sim";
    public const string ChatRole = "bench_chat";
    public const string ClientKey = "gateway-benchmark-client-key-0001";
    private const string NodeKey = "gateway-benchmark-node-key-00001";

    private readonly List<Process> _processes = [];
    private readonly string _directory;

    private StandaloneCluster(string directory) => _directory = directory;

    public Uri ControlUrl { get; private set; } = null!;

    public Process Control => _processes[0];

    public Process Agent => _processes[1];

    /// <summary>Root URL of the simulated chat server (the direct path).</summary>
    public Uri ChatUpstream { get; private set; } = null!;

    public Uri EmbeddingsUpstream { get; private set; } = null!;

    /// <summary>The default node's simulated servers (YAML list items).</summary>
    public static readonly string DefaultSimulated =
        $"  - {{ id: \"chat\", kind: \"chat\", models: [\"{ChatModel}\"], ttft_ms: 0, tokens_per_s: 0, completion_tokens: 20 }}\n"
        + $"  - {{ id: \"embed\", kind: \"embeddings\", models: [\"{EmbeddingsModel}\"], ttft_ms: 0, dimensions: 384 }}\n";

    /// <summary>The default role catalog's roles (YAML list items).</summary>
    public static readonly string DefaultRoles = $"  - {{ role_id: \"{ChatRole}\", operation: \"chat\", modality: \"text\" }}\n";

    private string _simulated = DefaultSimulated;
    private string _roles = DefaultRoles;
    private string _nodeExtra = "";
    private IReadOnlyDictionary<string, string?>? _environment;

    public static Task<StandaloneCluster> StartAsync(HttpClient http, TextWriter log, CancellationToken ct) =>
        StartAsync(http, log, DefaultSimulated, DefaultRoles, ct);

    /// <param name="simulated">YAML list items for the node's <c>simulated:</c>; the first chat and embeddings services found become <see cref="ChatUpstream"/> and <see cref="EmbeddingsUpstream"/>.</param>
    /// <param name="roles">YAML list items for the catalog's <c>roles:</c>.</param>
    /// <param name="nodeExtra">More top-level node YAML after <c>simulated:</c> (the runtime benchmark's <c>runtimes:</c>).</param>
    /// <param name="environment">Variables set in both processes' environments on top of this process's (null: removed).</param>
    public static async Task<StandaloneCluster> StartAsync(HttpClient http, TextWriter log, string simulated, string roles,
        CancellationToken ct, string nodeExtra = "", IReadOnlyDictionary<string, string?>? environment = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "geniehive-gateway-" + Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(directory);
        var cluster = new StandaloneCluster(directory) { _simulated = simulated, _roles = roles, _nodeExtra = nodeExtra, _environment = environment };
        try
        {
            await cluster.StartProcessesAsync(http, log, ct);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task StartProcessesAsync(HttpClient http, TextWriter log, CancellationToken ct)
    {
        var controlPort = FreePort();
        var nodePort = FreePort();
        ControlUrl = new Uri($"http://127.0.0.1:{controlPort}/");
        var roles = Path.Combine(_directory, "roles.yaml");
        await File.WriteAllTextAsync(roles, "roles:\n" + _roles, ct);
        var controlYaml = Path.Combine(_directory, "control.yaml");
        await File.WriteAllTextAsync(controlYaml, $"""
            auth: {"{"} client_api_keys: ["{ClientKey}"], node_api_keys: ["{NodeKey}"] {"}"}
            storage: {"{"} sqlite_path: "{Path.Combine(_directory, "registry.sqlite3")}" {"}"}
            roles_path: "{roles}"
            routing: {"{"} health_stale_after_s: 60 {"}"}
            """, ct);
        var nodeYaml = Path.Combine(_directory, "node.yaml");
        await File.WriteAllTextAsync(nodeYaml, $"""
            node: {"{"} host_id: "bench-node" {"}"}
            control_plane: {"{"} base_url: "{ControlUrl.ToString().TrimEnd('/')}", node_api_key: "{NodeKey}", heartbeat_interval_s: 5 {"}"}
            simulated:

            """ + _simulated + _nodeExtra, ct);

        _processes.Add(Launch("GenieHive.Control.dll", controlYaml, controlPort));
        await WaitHealthyAsync(http, ControlUrl, ct);
        _processes.Add(Launch("GenieHive.NodeAgent.dll", nodeYaml, nodePort));

        // Wait until both simulated services are registered and routable, and learn their endpoints.
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (await TryReadUpstreamsAsync(http, ct))
            {
                await log.WriteLineAsync($"gateway: control {ControlUrl} (pid {Control.Id}), chat upstream {ChatUpstream}, embeddings upstream {EmbeddingsUpstream}");
                return;
            }

            EnsureRunning();
            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException("the node's simulated services did not become routable within 30 s");
    }

    private async Task<bool> TryReadUpstreamsAsync(HttpClient http, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(ControlUrl, "v1/cluster/services"));
        request.Headers.Authorization = new("Bearer", ClientKey);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Uri? chat = null, embed = null;
        foreach (var service in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            var routable = service.TryGetProperty("live", out var live) && live.GetProperty("routable").GetBoolean();
            var endpoint = new Uri(service.GetProperty("endpoint").GetString()! + "/");
            switch (service.GetProperty("kind").GetString())
            {
                case "chat" when routable:
                    chat ??= endpoint;
                    break;
                case "embeddings" when routable:
                    embed ??= endpoint;
                    break;
            }
        }

        if (chat is null || embed is null)
        {
            return false;
        }

        ChatUpstream = chat;
        EmbeddingsUpstream = embed;
        return true;
    }

    private Process Launch(string dll, string config, int port)
    {
        var path = Path.Combine(AppContext.BaseDirectory, dll);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{dll} is not beside geniehive-bench; build GenieHive.Benchmarks first", path);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { path, "--config", config, "--urls", $"http://127.0.0.1:{port}" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (name, value) in _environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dll}");
        // Drain output so a chatty process never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                LastErrors.Enqueue($"{dll}: {e.Data}");
                while (LastErrors.Count > 20)
                {
                    LastErrors.TryDequeue(out string? _);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public System.Collections.Concurrent.ConcurrentQueue<string> LastErrors { get; } = new();

    private void EnsureRunning()
    {
        foreach (var process in _processes)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"a benchmark process exited with code {process.ExitCode}: {string.Join(" | ", LastErrors)}");
            }
        }
    }

    private async Task WaitHealthyAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            EnsureRunning();
            try
            {
                using var response = await http.GetAsync(new Uri(url, "health"), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new InvalidOperationException($"{url} did not become healthy within 30 s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
