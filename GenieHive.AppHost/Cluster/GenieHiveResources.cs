using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace GenieHive.AppHost.Cluster;

/// <summary>The control plane resource and the secrets every process of the cluster shares.</summary>
internal sealed record GenieHiveControl(
    IResourceBuilder<ProjectResource> Resource,
    IResourceBuilder<ParameterResource> ClientKey,
    IResourceBuilder<ParameterResource> NodeKey,
    ClusterDescription Cluster,
    string StateDirectory);

/// <summary>Extension methods that keep Program.cs a table of contents, as the Aspire integrations do.</summary>
internal static class GenieHiveResources
{
    public const string ControlName = "control";

    /// <summary>
    /// The two keys are secret parameters. Set them with <c>Parameters:client-api-key</c> / <c>Parameters:node-api-key</c>
    /// (user secrets, environment, command line); otherwise a random value is generated once and kept in the
    /// AppHost's user secrets, so a fresh clone starts headless with no prompt.
    /// </summary>
    public static GenieHiveControl AddGenieHiveControl(this IDistributedApplicationBuilder builder, ClusterDescription cluster)
    {
        var state = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, cluster.StateDirectory));
        var key = new GenerateParameterDefault { MinLength = 32, Special = false };
        var clientKey = builder.AddParameter("client-api-key", key, secret: true, persist: true);
        var nodeKey = builder.AddParameter("node-api-key", key, secret: true, persist: true);

        var control = builder.AddProject<Projects.GenieHive_Control>(ControlName, launchProfileName: null)
            // The stable URL is the control plane's own listener (not behind Aspire's proxy): clients keep one
            // base URL across runs and pay no extra hop.
            .WithHttpEndpoint(port: cluster.ControlUri.Port, name: "http", isProxied: cluster.ProxyControlEndpoint)
            .WithEnvironment("GENIEHIVE_CONTROL_CONFIG", ClusterRendering.ControlConfigPath(state))
            .WithEnvironment("Auth__ClientApiKeys__0", clientKey)
            .WithEnvironment("Auth__NodeApiKeys__0", nodeKey)
            .WithHttpHealthCheck("/health");

        return new GenieHiveControl(control, clientKey, nodeKey, cluster, state);
    }

    public static IResourceBuilder<ProjectResource> AddGenieHiveNode(
        this IDistributedApplicationBuilder builder, NodeDescription node, GenieHiveControl control)
    {
        return builder.AddProject<Projects.GenieHive_NodeAgent>(node.Name, launchProfileName: null)
            .WithHttpEndpoint(name: "http", isProxied: false)
            .WithEnvironment("GENIEHIVE_NODE_CONFIG", ClusterRendering.NodeConfigPath(control.StateDirectory, node))
            .WithEnvironment("ControlPlane__NodeApiKey", control.NodeKey)
            .WithHttpHealthCheck("/health")
            .WithReference(control.Resource)
            .WaitFor(control.Resource);
    }

    /// <summary>An Ollama container with a model volume, registered by one node's agent. Needs a container engine.</summary>
    public static IResourceBuilder<ContainerResource> AddGenieHiveOllama(this IDistributedApplicationBuilder builder, OllamaDescription ollama) =>
        builder.AddContainer("ollama", ollama.Image, ollama.Tag)
            .WithVolume(ollama.VolumeName, "/root/.ollama")
            .WithHttpEndpoint(port: OllamaPort, targetPort: OllamaPort, name: "http", isProxied: false);

    public const int OllamaPort = 11434;

    public static string OllamaEndpoint => $"http://127.0.0.1:{OllamaPort}";
}
