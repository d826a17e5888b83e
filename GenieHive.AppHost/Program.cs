using GenieHive.AppHost.Cluster;
using Microsoft.Extensions.DependencyInjection;

var builder = DistributedApplication.CreateBuilder(args);

// One cluster description (appsettings.json "GenieHive:Cluster") drives every resource, the rendered YAML and the tests.
var cluster = ClusterDescription.Bind(builder.Configuration);

var control = builder.AddGenieHiveControl(cluster);

var ollama = cluster.Ollama.Enabled ? builder.AddGenieHiveOllama(cluster.Ollama) : null;

foreach (var node in cluster.Nodes)
{
    var agent = builder.AddGenieHiveNode(node, control);
    if (ollama is not null && node.Name == cluster.Ollama.Node)
    {
        agent.WaitFor(ollama);
    }
}

ClusterRendering.WriteAll(cluster, control.StateDirectory,
    ollama is null ? null : new Dictionary<string, string> { [cluster.Ollama.Node!] = GenieHiveResources.OllamaEndpoint });

builder.Services.AddHttpClient();
builder.Services.AddSingleton(control);
builder.Services.AddHostedService<ReadyAnnouncer>();

builder.Build().Run();
