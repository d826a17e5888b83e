using GenieHive.NodeAgent.Configuration;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Configuration;

public sealed class ShippedNodeExamplesTests
{
    private static readonly string ExamplesFolder = FixturePaths.PythonConfigs;

    private static NodeConfigResult LoadCopy(string name, TempDirectory dir)
    {
        var copy = dir.Combine(name);
        File.Copy(Path.Combine(ExamplesFolder, name), copy);
        return NodeConfigLoader.Load(copy);
    }

    private static string[] WarningPaths(NodeConfigResult result) =>
        result.Warnings.Select(w => $"{w.KeyPath}").Order(StringComparer.Ordinal).ToArray();

    [Theory]
    [InlineData("node.example.yaml", 2)]
    [InlineData("node.singlebox.llamacpp.example.yaml", 1)]
    [InlineData("node.singlebox.llamafile.example.yaml", 1)]
    [InlineData("node.singlebox.forge.example.yaml", 1)]
    [InlineData("node.singlebox.ollama.example.yaml", 2)]
    [InlineData("node.singlebox.p40-triple.example.yaml", 2)]
    public void Each_shipped_node_example_loads_with_its_service_count(string name, int services)
    {
        using var dir = new TempDirectory();
        var result = LoadCopy(name, dir);

        Assert.False(result.HasErrors, string.Join('\n', result.Findings));
        Assert.Equal(services, result.Config!.Services.Count);
        Assert.Equal("http://127.0.0.1:8800", result.Config.ControlPlane.BaseUrl);
        Assert.Equal("change-me-node-key", result.Config.ControlPlane.NodeApiKey);
        Assert.Equal(5, result.Config.ControlPlane.HeartbeatIntervalS);
        Assert.Empty(result.Config.Simulated);
    }

    [Fact]
    public void Node_example_warns_only_about_the_placeholder_key_the_missing_model_root_and_managed_runtimes()
    {
        using var dir = new TempDirectory();
        var result = LoadCopy("node.example.yaml", dir);

        Assert.Equal(
            ["control_plane.node_api_key", "inventory.model_roots[0]", "managed_runtimes.enabled"],
            WarningPaths(result));
        var config = result.Config!;
        Assert.Equal("atlas-01", config.Node.HostId);
        Assert.Equal("127.0.0.1", config.Node.EffectiveAddress);
        Assert.Equal(24, config.Inventory.CpuThreads);
        Assert.Equal(128, config.Inventory.RamGb);
        Assert.Equal("trusted_datacenter", config.Inventory.TrustTier);
        Assert.Equal(96, config.Inventory.MaxContributionRamGb);
        Assert.Equal(["interactive", "background"], config.Inventory.WorkloadClasses);
        Assert.True(config.Inventory.Capabilities["cuda"]);
        Assert.False(config.Inventory.Capabilities["rocm"]);
        var chat = config.Services[0];
        Assert.Equal("atlas-01/chat/qwen3-8b", chat.ServiceId);
        Assert.Equal("http://127.0.0.1:18091", chat.Endpoint);
        Assert.Equal("llama.cpp", chat.Runtime["engine"]!.GetValue<string>());
        Assert.True(chat.Assets.Single().Loaded);
        Assert.Equal(900, chat.Observed.P50LatencyMs);
        Assert.Equal(40, chat.Observed.TokensPerSec);
        Assert.Equal("healthy", chat.State.Health);
        Assert.Equal("embeddings", config.Services[1].Kind);
    }

    [Theory]
    [InlineData("node.singlebox.llamacpp.example.yaml")]
    [InlineData("node.singlebox.llamafile.example.yaml")]
    [InlineData("node.singlebox.forge.example.yaml")]
    [InlineData("node.singlebox.p40-triple.example.yaml")]
    public void Singlebox_examples_with_a_placeholder_model_root_warn_about_key_and_root_only(string name)
    {
        using var dir = new TempDirectory();
        var result = LoadCopy(name, dir);

        Assert.Equal(["control_plane.node_api_key", "inventory.model_roots[0]"], WarningPaths(result));
    }

    [Fact]
    public void Ollama_example_discovers_with_ollama_and_warns_only_about_the_placeholder_key()
    {
        using var dir = new TempDirectory();
        var result = LoadCopy("node.singlebox.ollama.example.yaml", dir);

        Assert.Equal(["control_plane.node_api_key"], WarningPaths(result));
        Assert.All(result.Config!.Services, s => Assert.Equal("ollama", s.DiscoverProtocol));
        Assert.Equal("127.0.0.1", result.Config.Node.Address);
        Assert.Equal("ollama", result.Config.Node.Labels["runtime"]);
    }

    [Fact]
    public void P40_example_keeps_the_runtime_device_of_each_service()
    {
        using var dir = new TempDirectory();
        var result = LoadCopy("node.singlebox.p40-triple.example.yaml", dir);

        Assert.Equal(["gpu0", "gpu1"], result.Config!.Services.Select(s => s.Runtime["device"]!.GetValue<string>()));
        Assert.All(result.Config.Services, s => Assert.Equal("Qwen3.5-9B-Q5_K_S", s.Assets.Single().AssetId));
    }
}
