using GenieHive.Control.Auth;
using System.Net;

namespace GenieHive.Control.Config;

/// <summary>Key hygiene at start-up (security.md §2–§3, D19). Findings name keys only in redacted form.</summary>
internal static class KeyHygiene
{
    public const int MinimumKeyLength = 16;

    private static readonly string[] Placeholders =
        ["change-me-client-key", "change-me-node-key", "change-me-foundation-admin-key"];

    public static void Check(ControlConfig config, ControlConfigInputs inputs, ConfigFindings findings)
    {
        var file = inputs.ConfigPath ?? "(defaults)";
        var beyondLoopback = ListensBeyondLoopback(config, inputs.ListenUrls);
        var auth = config.Auth;
        CheckList(auth.ClientApiKeys, "auth.client_api_keys", file, findings, beyondLoopback, inputs.IsDevelopment);
        CheckList(auth.NodeApiKeys, "auth.node_api_keys", file, findings, beyondLoopback, inputs.IsDevelopment);

        foreach (var key in auth.ClientApiKeys.Intersect(auth.NodeApiKeys, StringComparer.Ordinal))
        {
            findings.Warning(file, "auth", $"key {KeyRedaction.Redact(key)} is both a client key and a node key");
        }

        var developmentMode = auth.ClientApiKeys.IsEmpty && !config.Governance.EnableNamedClientKeys;
        if (developmentMode)
        {
            findings.Warning(file, "auth.client_api_keys", "no client keys: development mode, client and operator routes are open");
            if (beyondLoopback)
            {
                findings.Warning(file, "auth.client_api_keys", "development mode while listening beyond loopback: anyone on the network can use the cluster");
            }
        }

        if (auth.NodeApiKeys.IsEmpty)
        {
            if (!auth.ClientApiKeys.IsEmpty && !auth.AllowOpenNodeRoutes)
            {
                findings.Error(file, "auth.node_api_keys",
                    "empty while client keys are set: anyone could register an endpoint and receive prompts; add node keys or set auth.allow_open_node_routes: true");
            }
            else
            {
                findings.Warning(file, "auth.node_api_keys", "no node keys: node routes are open");
            }
        }
    }

    private static void CheckList(IEnumerable<string> keys, string path, string file, ConfigFindings findings, bool beyondLoopback, bool development)
    {
        foreach (var key in keys)
        {
            if (Array.IndexOf(Placeholders, key) >= 0)
            {
                if (beyondLoopback && !development)
                {
                    findings.Error(file, path, $"placeholder key {KeyRedaction.Redact(key)} while listening beyond loopback; set a long random key");
                }
                else
                {
                    findings.Warning(file, path, $"placeholder key {KeyRedaction.Redact(key)}; replace it before listening beyond loopback");
                }
            }
            else if (key.Length < MinimumKeyLength)
            {
                findings.Warning(file, path, $"key {KeyRedaction.Redact(key)} is shorter than {MinimumKeyLength} characters");
            }
        }
    }

    private static bool ListensBeyondLoopback(ControlConfig config, string? listenUrls)
    {
        if (string.IsNullOrWhiteSpace(listenUrls))
        {
            return !IsLoopback(config.Server.Host);
        }

        foreach (var url in listenUrls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri) ? uri.Host : url;
            if (!IsLoopback(host))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsLoopback(string host)
    {
        var trimmed = host.Trim().Trim('[', ']');
        return trimmed.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(trimmed, out var address) && IPAddress.IsLoopback(address));
    }
}
