using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var controlPort = builder.Configuration.GetValue("GenieHive:Cluster:ControlPort", 8800);

var control = builder.AddProject<Projects.GenieHive_Control>("control", launchProfileName: null)
    .WithHttpEndpoint(port: controlPort, name: "http", isProxied: false)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.GenieHive_NodeAgent>("node", launchProfileName: null)
    .WithHttpEndpoint(name: "http")
    .WithHttpHealthCheck("/health")
    .WithReference(control)
    .WaitFor(control);

builder.Build().Run();
