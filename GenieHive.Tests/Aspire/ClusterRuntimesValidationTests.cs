using GenieHive.AppHost.Cluster;

namespace GenieHive.Tests.Aspire;

/// <summary>The cluster description's <c>Runtimes</c> of a node, checked before anything starts.</summary>
public sealed class ClusterRuntimesValidationTests
{
    private static List<string> RuntimeErrors(params RuntimeDescription[] runtimes)
    {
        var description = new ClusterDescription { Nodes = [new NodeDescription { Name = "cpu", Runtimes = [.. runtimes] }] };
        return ClusterValidator.Validate(description).Where(e => e.Contains(":Runtimes:", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public void A_whisper_runtime_needs_paths_and_takes_no_context()
    {
        Assert.Empty(RuntimeErrors(new RuntimeDescription { Id = "stt", Engine = "whisper", Paths = ["/srv/whisper"] }));
        Assert.Contains("engine whisper needs", Assert.Single(RuntimeErrors(new RuntimeDescription { Id = "stt", Engine = "whisper" })), StringComparison.Ordinal);
        Assert.Single(RuntimeErrors(new RuntimeDescription { Id = "stt", Engine = "whisper", Paths = ["/srv/whisper"], Context = 512 }));
        Assert.Contains("must be llamacpp, minilm or whisper", Assert.Single(RuntimeErrors(new RuntimeDescription { Id = "x", Engine = "vllm" })),
            StringComparison.Ordinal);
    }
}
