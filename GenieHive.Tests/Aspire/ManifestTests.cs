using System.Diagnostics;
using System.Text.Json;

namespace GenieHive.Tests.Aspire;

public sealed class ManifestTests
{
    private static async Task<JsonDocument> PublishAsync(Support.TempDirectory dir, params string[] extra)
    {
        var output = Path.Combine(dir.Path, "manifest.json");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "run", "--project", Projects.GenieHive_AppHost.ProjectPath, "--no-build", "--no-launch-profile", "--",
                "--publisher", "manifest", "--output-path", output, $"--GenieHive:Cluster:StateDirectory={dir.Path}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in extra)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"manifest publishing failed: {await stdout} {await stderr}");
        return JsonDocument.Parse(await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Manifest_holds_control_the_nodes_and_the_secret_parameters_and_the_ollama_container_only_when_enabled()
    {
        using var dir = new Support.TempDirectory();
        using var manifest = await PublishAsync(dir);
        var resources = manifest.RootElement.GetProperty("resources");
        Assert.Equal("project.v0", resources.GetProperty("control").GetProperty("type").GetString());
        Assert.Equal("project.v0", resources.GetProperty("gpu-node").GetProperty("type").GetString());
        Assert.Equal("project.v0", resources.GetProperty("cpu-node").GetProperty("type").GetString());
        foreach (var parameter in new[] { "client-api-key", "node-api-key" })
        {
            var value = resources.GetProperty(parameter).GetProperty("inputs").GetProperty("value");
            Assert.True(value.GetProperty("secret").GetBoolean());
        }

        Assert.Equal("{node-api-key.value}", resources.GetProperty("gpu-node").GetProperty("env").GetProperty("ControlPlane__NodeApiKey").GetString());
        Assert.Equal(8800, resources.GetProperty("control").GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        Assert.False(resources.TryGetProperty("ollama", out _));

        using var withOllama = await PublishAsync(dir, "--GenieHive:Cluster:Ollama:Enabled=true");
        var ollama = withOllama.RootElement.GetProperty("resources").GetProperty("ollama");
        Assert.StartsWith("container.v", ollama.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal("ollama/ollama:latest", ollama.GetProperty("image").GetString());
        Assert.Contains("discover_protocol: ollama", File.ReadAllText(Path.Combine(dir.Path, "gpu-node.yaml")), StringComparison.Ordinal);
    }
}
