using GenieHive.Control;
using GenieHive.Control.Config;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Config;

public sealed class ControlConfigValidationTests
{
    private static LoadedConfiguration Load(TempDirectory dir, string yaml, bool development = false, string? rolesEnv = null,
        string[]? extraClientKeys = null)
    {
        dir.Write("control.yaml", yaml);
        return ControlConfigLoader.Load(new ControlConfigInputs(
            "control.yaml", rolesEnv, [.. extraClientKeys ?? []], [], dir.Path, development));
    }

    [Fact]
    public void An_invalid_config_lists_every_error_with_key_paths_and_positions()
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, """
            server:
              port: 70000
            routing:
              health_stale_after_s: 0
              probe_timeout_s: "soon"
              probe_intervall_s: 10
            auth:
              client_api_keys: ["client-key-0123456789abcdef", ""]
              node_api_keys: ["node-key-0123456789abcdef"]
            roles_path: "configs/missing.yaml"
            """);

        var errors = loaded.Findings.Where(f => f.IsError).Select(f => f.ToString()).ToArray();
        Assert.Equal(
        [
            "error   control.yaml: server.port: must be between 0 and 65535; got 70000 (line 2, column 9)",
            "error   control.yaml: routing.health_stale_after_s: must be > 0; got 0 (line 4, column 25)",
            "error   control.yaml: routing.probe_timeout_s: must be a number; got \"soon\" (line 5, column 20)",
            "error   control.yaml: auth.client_api_keys[1]: must not be an empty string (line 8, column 52)",
            "error   configs/missing.yaml: (root): file not found",
        ], errors);
        var unknown = Assert.Single(loaded.Warnings);
        Assert.Equal("warning control.yaml: routing.probe_intervall_s: unknown key (line 6, column 3)", unknown.ToString());
    }

    [Fact]
    public void Building_the_app_with_errors_throws_every_finding_before_listening()
    {
        using var dir = new TempDirectory();
        dir.Write("control.yaml", "server: { port: -1 }\nroles_path: [\"nope.yaml\"]\n");

        var ex = Assert.Throws<ConfigValidationException>(() => ControlPlaneApp.Build(
            ["--config", dir.Combine("control.yaml"), "--contentRoot", dir.Path]));

        Assert.Contains(ex.Findings, f => f.IsError && f.KeyPath == "server.port");
        Assert.Contains(ex.Findings, f => f.IsError && f.File == "nope.yaml");
    }

    [Fact]
    public void Yaml_1_1_anchors_merges_and_boolean_words_are_honoured()
    {
        using var dir = new TempDirectory();
        dir.Write("roles.yaml", """
            base: &base
              operation: chat
              modality: text
            roles:
              - <<: *base
                role_id: 7
                routing_policy: { require_loaded: yes, allow_employee_devices: On, min_context: "4096", preferred_families: [" Qwen3 ", ""] }
                prompt_policy:
                  request_policy:
                    body_defaults: { temperature: 0.0, thinking: off, max_tokens: 0x10, stop: ~, label: "yes" }
            """);
        var loaded = Load(dir, "auth: { node_api_keys: [\"node-key-0123456789abcdef\"] }\nroles_path: roles.yaml\n");

        var role = Assert.Single(loaded.Roles);
        Assert.Equal("7", role.RoleId);
        Assert.Equal("chat", role.Operation);
        Assert.True(role.RoutingPolicy.RequireLoaded);
        Assert.True(role.RoutingPolicy.AllowEmployeeDevices);
        Assert.Equal(4096, role.RoutingPolicy.MinContext);
        Assert.Equal(["qwen3"], role.RoutingPolicy.PreferredFamilies.ToArray());
        Assert.Equal("""{"temperature":0.0,"thinking":false,"max_tokens":16,"stop":null,"label":"yes"}""",
            role.PromptPolicy.RequestPolicy.BodyDefaults!.Value.GetRawText());
        Assert.Contains(loaded.Warnings, w => w.KeyPath == "base" && w.Reason == "unknown key");
    }

    [Fact]
    public void A_repeated_mapping_key_keeps_the_last_value_with_a_warning()
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, "auth: { node_api_keys: [\"node-key-0123456789abcdef\"] }\nrouting:\n  health_stale_after_s: 10\n  health_stale_after_s: 45\n");

        Assert.Equal(45, loaded.Config.Routing.HealthStaleAfterSeconds);
        var warning = Assert.Single(loaded.Warnings, w => w.KeyPath == "routing.health_stale_after_s");
        Assert.Equal((4, 3), (warning.Line, warning.Column));
    }

    [Theory]
    [InlineData("server: [1, 2", "YAML syntax error")]
    [InlineData("a: 1\n---\nb: 2\n", "several YAML documents")]
    [InlineData("server: !custom { port: 1 }", "custom tag")]
    [InlineData("- just\n- a list\n", "must be a YAML mapping")]
    public void Unreadable_documents_are_errors(string yaml, string reason)
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, yaml);

        Assert.Contains(loaded.Findings, f => f.IsError && f.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_file_means_all_defaults()
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, "# nothing here\n");

        Assert.False(loaded.HasErrors);
        Assert.Equal("127.0.0.1", loaded.Config.Server.Host);
        Assert.Equal(16L << 20, loaded.Config.Limits.MaxJsonBodyBytes);
        Assert.Contains(loaded.Warnings, w => w.Reason.Contains("development mode", StringComparison.Ordinal));
    }

    [Fact]
    public void Client_keys_without_node_keys_are_an_error_unless_open_node_routes_are_allowed()
    {
        using var dir = new TempDirectory();
        var closed = Load(dir, "auth: { client_api_keys: [\"client-key-0123456789abcdef\"] }\n");
        var open = Load(dir, "auth: { client_api_keys: [\"client-key-0123456789abcdef\"], allow_open_node_routes: true }\n");

        Assert.Contains(closed.Findings, f => f.IsError && f.KeyPath == "auth.node_api_keys");
        Assert.False(open.HasErrors);
        Assert.Contains(open.Warnings, w => w.KeyPath == "auth.node_api_keys");
    }

    [Fact]
    public void A_placeholder_key_beyond_loopback_outside_development_is_an_error_and_is_redacted()
    {
        using var dir = new TempDirectory();
        const string Yaml = "server: { host: 0.0.0.0 }\nauth: { client_api_keys: [change-me-client-key], node_api_keys: [\"node-key-0123456789abcdef\"] }\n";
        var production = Load(dir, Yaml);
        var development = Load(dir, Yaml, development: true);

        var error = Assert.Single(production.Findings, f => f.IsError);
        Assert.Contains("change...-key", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("change-me-client-key", error.ToString(), StringComparison.Ordinal);
        Assert.False(development.HasErrors);
    }

    [Fact]
    public void Short_keys_and_keys_in_both_lists_are_warnings()
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, "auth: { client_api_keys: [short, same-key-0123456789abc], node_api_keys: [same-key-0123456789abc] }\n");

        Assert.Contains(loaded.Warnings, w => w.Reason.Contains("shorter than 16", StringComparison.Ordinal) && w.Reason.Contains("***", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Reason.Contains("both a client key and a node key", StringComparison.Ordinal));
    }

    [Fact]
    public void Dotnet_key_settings_are_appended_and_the_roles_variable_is_the_fallback()
    {
        using var dir = new TempDirectory();
        dir.Write("a.yaml", "roles:\n  - { role_id: a, operation: chat, modality: text }\n");
        dir.Write("b.yaml", "roles:\n  - { role_id: b, operation: embeddings, modality: text, routing_policy: { fallback_roles: [a, ghost] } }\n");
        var loaded = Load(dir, "auth: { node_api_keys: [\"node-key-0123456789abcdef\"] }\nroles_path: \"\"\n",
            rolesEnv: "a.yaml:b.yaml", extraClientKeys: ["secret-from-aspire-0123456789"]);

        Assert.Equal(["secret-from-aspire-0123456789"], loaded.Config.Auth.ClientApiKeys.ToArray());
        Assert.Equal(["a", "b"], loaded.Roles.Select(r => r.RoleId).ToArray());
        Assert.Contains(loaded.Warnings, w => w.Reason.Contains("\"a\" is a chat role", StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.Reason.Contains("\"ghost\" names no role", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_strategy_falls_back_to_scored_with_a_warning()
    {
        using var dir = new TempDirectory();
        var loaded = Load(dir, "auth: { node_api_keys: [\"node-key-0123456789abcdef\"] }\nrouting: { default_strategy: fastest }\n");

        Assert.Equal("scored", loaded.Config.Routing.DefaultStrategy);
        Assert.Contains(loaded.Warnings, w => w.KeyPath == "routing.default_strategy");
    }

    [Fact]
    public void Role_errors_name_the_role_field()
    {
        using var dir = new TempDirectory();
        dir.Write("roles.yaml", "roles:\n  - role_id: r1\n    operation: completions\n    modality: text\n    routing_policy: { guardrail_profile: strict }\n");
        var loaded = Load(dir, "auth: { node_api_keys: [\"node-key-0123456789abcdef\"] }\nroles_path: roles.yaml\n");

        var errors = loaded.Findings.Where(f => f.IsError).Select(f => f.ToString()).ToArray();
        Assert.Contains("error   roles.yaml: roles[0].operation: must be one of chat, embeddings, transcription; got \"completions\" (line 3, column 16)", errors);
        Assert.Contains(errors, e => e.Contains("roles[0].routing_policy.guardrail_profile", StringComparison.Ordinal));
    }
}
