using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GenieHive.Control;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Support;

/// <summary>
/// The real control plane (<see cref="ControlPlaneApp.Build"/>) on Kestrel at 127.0.0.1:0, configured by a control
/// YAML written into a temporary working directory, with a <see cref="FakeTimeProvider"/>. One per test.
/// </summary>
internal sealed class ControlPlaneHost : IAsyncDisposable
{
    public const string ClientKey = "client-key-0123456789abcdef";
    public const string NodeKey = "node-key-0123456789abcdef";
    public const string OtherNodeKey = "node-key-second-0123456789";

    private readonly TempDirectory? _ownedDirectory;

    private ControlPlaneHost(KestrelHost kestrel, FakeTimeProvider time, string directory, TempDirectory? owned)
    {
        Kestrel = kestrel;
        Time = time;
        Directory = directory;
        _ownedDirectory = owned;
    }

    public KestrelHost Kestrel { get; }

    public FakeTimeProvider Time { get; }

    public string Directory { get; }

    public IServiceProvider Services => Kestrel.App.Services;

    /// <summary>A control YAML with keys (or open), a SQLite file in the working directory, and routing knobs.</summary>
    public static string Yaml(bool keys = true, string sqlitePath = "state/registry.sqlite3", double staleAfter = 30,
        double probeInterval = 0, double probeTimeout = 5, long? maxJsonBytes = null, string? extra = null)
    {
        var text = new StringBuilder();
        if (keys)
        {
            text.AppendLine($"auth:\n  client_api_keys: [\"{ClientKey}\"]\n  node_api_keys: [\"{NodeKey}\", \"{OtherNodeKey}\"]");
        }

        text.AppendLine($"storage:\n  sqlite_path: \"{sqlitePath}\"");
        text.AppendLine($"routing:\n  health_stale_after_s: {staleAfter}\n  probe_interval_s: {probeInterval}\n  probe_timeout_s: {probeTimeout}");
        if (maxJsonBytes is { } max)
        {
            text.AppendLine($"limits:\n  max_json_body_bytes: {max}");
        }

        if (extra is not null)
        {
            text.AppendLine(extra);
        }

        return text.ToString();
    }

    public static Task<ControlPlaneHost> StartAsync(string? yaml = null, FakeTimeProvider? time = null) =>
        StartAsync(yaml ?? Yaml(), time ?? new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_750_000_000)), null);

    /// <summary>Starts on an existing working directory (a restart keeps the same SQLite file).</summary>
    public static async Task<ControlPlaneHost> StartAsync(string yaml, FakeTimeProvider time, string? directory)
    {
        var owned = directory is null ? new TempDirectory() : null;
        var dir = directory ?? owned!.Path;
        var config = Path.Combine(dir, "control.yaml");
        await File.WriteAllTextAsync(config, yaml);
        var app = ControlPlaneApp.Build(
            ["--config", config, "--urls", "http://127.0.0.1:0", "--contentRoot", dir],
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Logging.ClearProviders();
            });
        var kestrel = await KestrelHost.StartAsync(app);
        return new ControlPlaneHost(kestrel, time, dir, owned);
    }

    /// <summary>A client with the client key as <c>X-Api-Key</c> (null: no key).</summary>
    public HttpClient Client(string? clientKey = ClientKey)
    {
        var client = Kestrel.CreateClient();
        if (clientKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", clientKey);
        }

        return client;
    }

    public HttpClient BearerClient(string key)
    {
        var client = Kestrel.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public HttpClient NodeClient(string? nodeKey = NodeKey)
    {
        var client = Kestrel.CreateClient();
        if (nodeKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-GenieHive-Node-Key", nodeKey);
        }

        return client;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var client = Client();
        using var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await ReadJsonAsync(response);
    }

    public async Task<HttpResponseMessage> PostNodeAsync(string path, string json, string? nodeKey = NodeKey)
    {
        using var client = NodeClient(nodeKey);
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(path, content);
    }

    public async Task<HttpResponseMessage> PostJsonAsync<T>(string path, T body)
    {
        using var client = Client();
        return await client.PostAsJsonAsync(path, body);
    }

    public async Task StopAsync() => await Kestrel.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        await Kestrel.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}
