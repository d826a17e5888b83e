using GenieHive.NodeAgent.Configuration;
using GenieHive.NodeAgent.Discovery;
using GenieHive.NodeAgent.Inventory;
using GenieHive.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace GenieHive.Tests.NodeAgent.Discovery;

// The fake nvidia-smi is a shell script.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostDiscoveryTests
{
    private static string FakeNvidiaSmi(TempDirectory dir, string script)
    {
        var path = dir.Write("bin/nvidia-smi", "#!/bin/sh\n" + script + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return dir.Combine("bin");
    }

    [Fact]
    public async Task Gpus_come_from_a_fake_nvidia_smi_on_the_injected_path()
    {
        using var dir = new TempDirectory();
        var bin = FakeNvidiaSmi(dir, """
            [ "$1" = "--query-gpu=index,name,memory.total,memory.used" ] || exit 3
            echo "0, NVIDIA GeForce RTX 4090, 24564, 5086"
            echo "1, Tesla P40, 24576, 0"
            """);
        var probe = new GpuProbe(new ExecutableLocator(bin + Path.PathSeparator + "/usr/bin:/bin"), NullLogger<GpuProbe>.Instance);

        var gpus = await probe.ProbeAsync(CancellationToken.None);

        Assert.NotNull(gpus);
        Assert.Equal(2, gpus.Count);
        Assert.Equal("cuda:0", gpus[0].GpuId);
        Assert.Equal("NVIDIA GeForce RTX 4090", gpus[0].Name);
        Assert.Equal(24564L * 1048576, gpus[0].VramTotalBytes);
        Assert.Equal(5086L * 1048576, gpus[0].VramUsedBytes);
        Assert.Equal(24.0, gpus[0].VramGb);
        Assert.Equal("cuda:1", gpus[1].GpuId);
    }

    [Fact]
    public async Task Without_nvidia_smi_or_when_it_fails_there_are_no_gpus()
    {
        using var dir = new TempDirectory();
        var empty = Directory.CreateDirectory(dir.Combine("empty")).FullName;
        var failing = FakeNvidiaSmi(dir, "echo 'NVIDIA-SMI has failed' >&2; exit 9");

        Assert.Null(await new GpuProbe(new ExecutableLocator(empty), NullLogger<GpuProbe>.Instance).ProbeAsync(CancellationToken.None));
        Assert.Null(await new GpuProbe(new ExecutableLocator(failing + ":/usr/bin:/bin"), NullLogger<GpuProbe>.Instance).ProbeAsync(CancellationToken.None));
        Assert.Null(GpuProbe.Parse("garbage line"));
    }

    [Fact]
    public void Os_facts_are_reported_and_yaml_values_win()
    {
        var discovered = HostResourcesBuilder.Build(InventoryConfig.Empty, HostFacts.CpuThreads, HostFacts.RamGb(), null, []);
        Assert.Equal(Environment.ProcessorCount, discovered.CpuThreads);
        Assert.True(discovered.RamGb > 0);
        Assert.Null(discovered.Gpus);

        var inventory = NodeConfigLoader.Parse("""
            inventory: { cpu_threads: 24, ram_gb: 128, gpus: [{ name: "Tesla P40", vram_gb: 24 }] }
            """, "node.yaml").Config!.Inventory;
        var overridden = HostResourcesBuilder.Build(inventory, 2, 7.5, [new("cuda:0", "other", 8, 1, 1)], []);
        Assert.Equal(24, overridden.CpuThreads);
        Assert.Equal(128, overridden.RamGb);
        Assert.Equal("Tesla P40", Assert.Single(overridden.Gpus!).Name);
    }

    [Fact]
    public void Gguf_files_under_model_roots_are_found_recursively()
    {
        using var dir = new TempDirectory();
        dir.Write("models/qwen/qwen3-8b.gguf", "12345");
        dir.Write("models/readme.txt", "x");

        var found = ModelRootScanner.Scan([dir.Combine("models"), dir.Combine("missing")]);

        var model = Assert.Single(found);
        Assert.Equal("qwen3-8b.gguf", model.Name);
        Assert.Equal(5, model.SizeBytes);
        Assert.EndsWith(Path.Combine("models", "qwen", "qwen3-8b.gguf"), model.Path, StringComparison.Ordinal);
    }
}
