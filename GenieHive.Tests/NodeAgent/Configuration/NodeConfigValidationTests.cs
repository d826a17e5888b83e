using GenieHive.NodeAgent.Configuration;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Configuration;

public sealed class NodeConfigValidationTests
{
    private const string Invalid = """
        node:
          host_id: "gpu-1"
          listen_port: 70000
        control_plane:
          base_url: "ftp://control"
          heartbeat_intervall_s: 5
        services:
          - service_id: "gpu-1/chat"
            kind: "completions"
            endpoint: "http://127.0.0.1:9000"
            runtime: { engine: "llama.cpp", extra: [1, 2] }
          - service_id: "gpu-1/chat"
            kind: "chat"
            endpoint: "http://127.0.0.1:9001"
            state: { availability: "sleeping" }
        simulated:
          - { id: "sim", kind: "chat", port: 18100, failure_rate: 1.5 }
          - { id: "sim", kind: "embeddings", port: 18100 }
        """;

    [Fact]
    public void An_invalid_node_yaml_lists_every_error_with_key_paths_and_positions()
    {
        var result = NodeConfigLoader.Parse(Invalid, "node.yaml");

        Assert.True(result.HasErrors);
        var errors = result.Findings.Where(f => f.Severity == FindingSeverity.Error).Select(f => f.KeyPath).ToArray();
        Assert.Equal(
            [
                "node.listen_port", "control_plane.base_url", "services[0].kind", "services[0].runtime.extra",
                "services[1].service_id", "services[1].state.availability", "simulated[0].failure_rate",
                "simulated[1].id", "simulated[1].port",
            ],
            errors);
        var kind = result.Findings.Single(f => f.KeyPath == "services[0].kind");
        Assert.Equal(
            "error   node.yaml: services[0].kind: must be one of chat, embeddings, transcription; got \"completions\" (line 9, column 11)",
            kind.ToString());
        var unknown = Assert.Single(result.Warnings, w => w.KeyPath == "control_plane.heartbeat_intervall_s");
        Assert.Equal("warning node.yaml: control_plane.heartbeat_intervall_s: unknown key (line 6, column 3)", unknown.ToString());
    }

    [Theory]
    [InlineData("- a\n- b\n", "(root): must be a YAML mapping")]
    [InlineData("node: { host_id: [unclosed\n", "(root): YAML syntax")]
    [InlineData("node: !custom { host_id: x }\n", "node: custom tag '!custom' is not allowed")]
    [InlineData("node: {}\n---\nnode: {}\n", "(root): several YAML documents")]
    public void Malformed_files_are_errors_at_the_root_or_the_offending_key(string yaml, string expected)
    {
        var result = NodeConfigLoader.Parse(yaml, "node.yaml");

        Assert.True(result.HasErrors);
        Assert.Contains(result.Findings, f => f.Severity == FindingSeverity.Error
            && $"{f.KeyPath}: {f.Reason}".StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_named_file_is_an_error()
    {
        var result = NodeConfigLoader.Load("/nonexistent/node.yaml");

        Assert.True(result.HasErrors);
        Assert.Equal("error   /nonexistent/node.yaml: (root): file not found", result.Findings.Single().ToString());
    }

    [Fact]
    public void Empty_file_means_defaults_and_yaml_11_scalars_anchors_and_merges_are_read()
    {
        Assert.Equal("node-1", NodeConfigLoader.Parse("# only a comment\n", "node.yaml").Config!.Node.HostId);

        var result = NodeConfigLoader.Parse("""
            base: &base { kind: "chat", endpoint: "http://127.0.0.1:9000", health_check: off }
            node: { host_id: 7, listen_port: "8899" }
            control_plane: { heartbeat_interval_s: 0.01, discovery_interval_s: 2 }
            services:
              - <<: *base
                service_id: "7/chat"
                runtime: { engine: 1, context_size: "4096", temperature: 0.0, note: "0.5", flag: yes }
            """, "node.yaml");

        var config = result.Config!;
        Assert.Equal("7", config.Node.HostId);
        Assert.Equal(8899, config.Node.ListenPort);
        Assert.Equal(0.1, config.ControlPlane.HeartbeatIntervalS);
        var service = config.Services.Single();
        Assert.False(service.HealthCheck);
        Assert.Equal("""{"engine":"1","context_size":4096,"temperature":0.0,"note":"0.5","flag":true}""", service.Runtime.ToJsonString());
        Assert.Contains(result.Warnings, w => w.KeyPath == "control_plane.heartbeat_interval_s");
        Assert.Contains(result.Warnings, w => w.KeyPath == "base");
    }

    [Fact]
    public void Repeated_keys_keep_the_last_value_with_a_warning()
    {
        var result = NodeConfigLoader.Parse("node:\n  host_id: a\n  host_id: b\n", "node.yaml");

        Assert.Equal("b", result.Config!.Node.HostId);
        Assert.Contains(result.Warnings, w => w.KeyPath == "node.host_id" && w.Reason.Contains("repeated", StringComparison.Ordinal));
    }

    [Fact]
    public void A_placeholder_key_beyond_loopback_outside_development_is_an_error()
    {
        const string yaml = "node: { host_id: n, listen_host: \"0.0.0.0\", address: \"10.0.0.5\" }\ncontrol_plane: { node_api_key: \"change-me-node-key\" }\n";

        Assert.True(NodeConfigLoader.Parse(yaml, "node.yaml").HasErrors);
        Assert.False(NodeConfigLoader.Parse(yaml, "node.yaml", isDevelopment: true).HasErrors);
    }

    [Fact]
    public void Simulated_servers_get_their_defaults_and_a_derived_service_id()
    {
        var result = NodeConfigLoader.Parse("""
            node: { host_id: "sim-host" }
            simulated:
              - { id: "chat-a", kind: "chat", models: [{ id: "qwen3-8b-sim", context: 32768, family: "qwen3" }], ttft_ms: 120, tokens_per_s: 40, jitter_ms: 30, failure_rate: 0.02 }
              - { id: "embed-a", kind: "embeddings", models: ["bge-small-sim"], dimensions: 384 }
              - { id: "whisper", kind: "transcription" }
            """, "node.yaml");

        var sims = result.Config!.Simulated;
        Assert.Equal(["sim-host/chat/chat-a", "sim-host/embeddings/embed-a", "sim-host/transcription/whisper"], sims.Select(s => s.ServiceId));
        Assert.Equal(32768, sims[0].Models.Single().Context);
        Assert.Equal(50, sims[1].TtftMs);
        Assert.Equal(100, sims[2].TokensPerS);
        Assert.Equal("whisper", sims[2].Models.Single().Id);
        Assert.Equal("status", sims[0].FailureMode);
    }
}
