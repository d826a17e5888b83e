using System.Text.RegularExpressions;

namespace GenieHive.AppHost.Cluster;

/// <summary>Checks a <see cref="ClusterDescription"/> and lists every problem at once, by configuration key.</summary>
internal static partial class ClusterValidator
{
    private static readonly string[] Kinds = ["chat", "embeddings", "transcription"];
    private static readonly string[] StrategyNames = ["scored", "round_robin", "least_loaded"];

    public static List<string> Validate(ClusterDescription d)
    {
        var errors = new List<string>();
        const string root = ClusterDescription.SectionName;

        if (!Uri.TryCreate(d.ControlUrl, UriKind.Absolute, out var control) || control.Scheme != Uri.UriSchemeHttp
            || control.IsDefaultPort && !d.ControlUrl.Contains($":{control.Port}", StringComparison.Ordinal))
        {
            errors.Add($"{root}:ControlUrl: must be an absolute http URL with an explicit port; got \"{d.ControlUrl}\"");
        }

        if (string.IsNullOrWhiteSpace(d.StateDirectory))
        {
            errors.Add($"{root}:StateDirectory: must not be empty");
        }

        if (!StrategyNames.Contains(d.Strategy))
        {
            errors.Add($"{root}:Strategy: must be one of {string.Join(", ", StrategyNames)}; got \"{d.Strategy}\"");
        }

        if (d.HealthStaleAfterSeconds <= 0)
        {
            errors.Add($"{root}:HealthStaleAfterSeconds: must be > 0");
        }

        if (d.Nodes.Count == 0)
        {
            errors.Add($"{root}:Nodes: at least one node is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var hostIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.Nodes.Count; i++)
        {
            var node = d.Nodes[i];
            var key = $"{root}:Nodes:{i}";
            if (!ResourceName().IsMatch(node.Name))
            {
                errors.Add($"{key}:Name: must be lower-case letters, digits and '-', starting with a letter; got \"{node.Name}\"");
            }
            else if (node.Name == "control" || !names.Add(node.Name))
            {
                errors.Add($"{key}:Name: \"{node.Name}\" is used twice (or is the control plane's name)");
            }

            if (!hostIds.Add(node.EffectiveHostId))
            {
                errors.Add($"{key}:HostId: \"{node.EffectiveHostId}\" is used by another node");
            }

            if (node.HeartbeatIntervalSeconds <= 0)
            {
                errors.Add($"{key}:HeartbeatIntervalSeconds: must be > 0");
            }

            if (node.Simulated.Count == 0 && node.Upstreams.Count == 0 && node.Runtimes.Count == 0)
            {
                errors.Add($"{key}: a node needs at least one simulated service, upstream or runtime");
            }

            var runtimeIds = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < node.Runtimes.Count; j++)
            {
                var runtime = node.Runtimes[j];
                var runtimeKey = $"{key}:Runtimes:{j}";
                if (string.IsNullOrWhiteSpace(runtime.Id) || !runtimeIds.Add(runtime.Id))
                {
                    errors.Add($"{runtimeKey}:Id: must be non-empty and unique in the node; got \"{runtime.Id}\"");
                }

                if (runtime.Engine is not ("llamacpp" or "minilm" or "whisper"))
                {
                    errors.Add($"{runtimeKey}:Engine: must be llamacpp, minilm or whisper; got \"{runtime.Engine}\"");
                }
                else if (runtime.Engine == "llamacpp" && runtime.Paths.Count == 0)
                {
                    errors.Add($"{runtimeKey}:Paths: engine llamacpp needs the GGUF files or folders to serve");
                }
                else if (runtime.Engine == "whisper" && (runtime.Paths.Count == 0 || runtime.Context is not null))
                {
                    errors.Add($"{runtimeKey}: engine whisper needs the ggml model files or folders in Paths, and no Context");
                }
                else if (runtime.Engine == "minilm" && runtime.Paths.Count > 0)
                {
                    errors.Add($"{runtimeKey}:Paths: engine minilm serves its built-in model; remove Paths");
                }

                if (runtime.Parallel < 1 || runtime.Queue < 0)
                {
                    errors.Add($"{runtimeKey}: Parallel must be >= 1 and Queue >= 0");
                }
            }

            var simIds = new HashSet<string>(StringComparer.Ordinal);
            for (var j = 0; j < node.Simulated.Count; j++)
            {
                var sim = node.Simulated[j];
                var simKey = $"{key}:Simulated:{j}";
                if (string.IsNullOrWhiteSpace(sim.Id) || !simIds.Add(sim.Id))
                {
                    errors.Add($"{simKey}:Id: must be non-empty and unique in the node; got \"{sim.Id}\"");
                }

                CheckKind(errors, $"{simKey}:Kind", sim.Kind);
                if (sim.TtftMs < 0 || sim.TokensPerS < 0 || sim.JitterMs < 0)
                {
                    errors.Add($"{simKey}: TtftMs, TokensPerS and JitterMs must be >= 0");
                }

                if (sim.FailureRate is < 0 or > 1)
                {
                    errors.Add($"{simKey}:FailureRate: must be between 0 and 1");
                }

                for (var m = 0; m < sim.Models.Count; m++)
                {
                    if (string.IsNullOrWhiteSpace(sim.Models[m].Id))
                    {
                        errors.Add($"{simKey}:Models:{m}:Id: is required");
                    }
                }
            }

            for (var j = 0; j < node.Upstreams.Count; j++)
            {
                var upstream = node.Upstreams[j];
                var upKey = $"{key}:Upstreams:{j}";
                CheckKind(errors, $"{upKey}:Kind", upstream.Kind);
                if (!Uri.TryCreate(upstream.Endpoint, UriKind.Absolute, out var uri)
                    || uri.Scheme is not ("http" or "https"))
                {
                    errors.Add($"{upKey}:Endpoint: must be an absolute http(s) URL; got \"{upstream.Endpoint}\"");
                }

                if (upstream.DiscoverProtocol is not (null or "ollama" or "openai"))
                {
                    errors.Add($"{upKey}:DiscoverProtocol: must be ollama, openai or empty; got \"{upstream.DiscoverProtocol}\"");
                }
            }
        }

        var roleIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.Roles.Count; i++)
        {
            var role = d.Roles[i];
            var key = $"{root}:Roles:{i}";
            if (string.IsNullOrWhiteSpace(role.RoleId) || !roleIds.Add(role.RoleId))
            {
                errors.Add($"{key}:RoleId: must be non-empty and unique; got \"{role.RoleId}\"");
            }

            CheckKind(errors, $"{key}:Operation", role.Operation);
        }

        for (var i = 0; i < d.Roles.Count; i++)
        {
            foreach (var fallback in d.Roles[i].FallbackRoles)
            {
                if (!roleIds.Contains(fallback) && d.RolesPaths.Count == 0)
                {
                    errors.Add($"{root}:Roles:{i}:FallbackRoles: \"{fallback}\" names no inline role");
                }
            }
        }

        if (d.Ollama.Enabled && (d.Ollama.Node is null || !names.Contains(d.Ollama.Node)))
        {
            errors.Add($"{root}:Ollama:Node: must name a described node when Ollama is enabled; got \"{d.Ollama.Node}\"");
        }

        return errors;
    }

    private static void CheckKind(List<string> errors, string key, string value)
    {
        if (!Kinds.Contains(value))
        {
            errors.Add($"{key}: must be one of chat, embeddings, transcription; got \"{value}\"");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex ResourceName();
}
