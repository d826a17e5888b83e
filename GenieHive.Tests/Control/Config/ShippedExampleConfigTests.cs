using GenieHive.Control.Config;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.Control.Config;

/// <summary>config.md §5.2: every shipped control config and role catalog loads unchanged.</summary>
public sealed class ShippedExampleConfigTests
{
    private static readonly string Examples = FixturePaths.PythonConfigs;

    private static LoadedConfiguration LoadControl(TempDirectory dir, string controlFile, params string[] catalogs)
    {
        File.Copy(Path.Combine(Examples, controlFile), dir.Combine(controlFile));
        foreach (var catalog in catalogs)
        {
            Directory.CreateDirectory(dir.Combine("configs"));
            File.Copy(Path.Combine(Examples, catalog), dir.Combine(Path.Combine("configs", catalog)));
        }

        return ControlConfigLoader.Load(new ControlConfigInputs(controlFile, null, [], [], dir.Path, IsDevelopment: false));
    }

    private static LoadedConfiguration LoadCatalogs(TempDirectory dir, params string[] catalogs)
    {
        var lines = new List<string> { "auth: { client_api_keys: [\"client-key-0123456789abcdef\"], node_api_keys: [\"node-key-0123456789abcdef\"] }", "roles_path:" };
        Directory.CreateDirectory(dir.Combine("configs"));
        foreach (var catalog in catalogs)
        {
            File.Copy(Path.Combine(Examples, catalog), dir.Combine(Path.Combine("configs", catalog)));
            lines.Add($"  - \"configs/{catalog}\"");
        }

        dir.Write("control.yaml", string.Join('\n', lines));
        return ControlConfigLoader.Load(new ControlConfigInputs("control.yaml", null, [], [], dir.Path, IsDevelopment: false));
    }

    [Fact]
    public void Control_example_loads_its_five_roles_with_only_the_placeholder_key_warnings()
    {
        using var dir = new TempDirectory();
        var loaded = LoadControl(dir, "control.example.yaml", "roles.example.yaml");

        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Findings));
        Assert.Equal(5, loaded.Roles.Length);
        Assert.Equal(["auth.client_api_keys", "auth.node_api_keys"], loaded.Warnings.Select(w => w.KeyPath).ToArray());
        Assert.All(loaded.Warnings, w => Assert.Contains("placeholder key change...-key", w.Reason, StringComparison.Ordinal));
        var config = loaded.Config;
        Assert.Equal(8800, config.Server.Port);
        Assert.Equal(["change-me-client-key"], config.Auth.ClientApiKeys.ToArray());
        Assert.Equal(dir.Combine("state/geniehive.sqlite3"), config.Storage.SqlitePath);
        Assert.Equal(30, config.Routing.HealthStaleAfterSeconds);
        Assert.Equal("scored", config.Routing.DefaultStrategy);

        var mentor = loaded.Roles.Single(r => r.RoleId == "mentor");
        Assert.Equal(["qwen3", "mistral"], mentor.RoutingPolicy.PreferredFamilies.ToArray());
        Assert.Equal(8192, mentor.RoutingPolicy.MinContext);
        Assert.Equal(["employee_device", "personal_device"], mentor.RoutingPolicy.DeniedTrustTiers.ToArray());
        Assert.Equal("Guide the user without taking over the task.", mentor.PromptPolicy.SystemPrompt);
        var translator = loaded.Roles.Single(r => r.RoleId == "scientific_translator");
        Assert.Equal(0.1, translator.PromptPolicy.RequestPolicy.BodyDefaults!.Value.GetProperty("temperature").GetDouble());
        Assert.True(translator.RoutingPolicy.RequireLoaded);
        Assert.Equal("transcription", loaded.Roles.Single(r => r.RoleId == "transcriber").Operation);
    }

    [Fact]
    public void Singlebox_example_loads_the_example_catalog()
    {
        using var dir = new TempDirectory();
        var loaded = LoadControl(dir, "control.singlebox.example.yaml", "roles.example.yaml");

        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Findings));
        Assert.Equal(5, loaded.Roles.Length);
        Assert.EndsWith("state/geniehive-singlebox.sqlite3", loaded.Config.Storage.SqlitePath, StringComparison.Ordinal);
        Assert.Equal(2, loaded.Warnings.Count());
    }

    [Fact]
    public void P40_example_keeps_the_later_scientific_translator_and_warns_about_the_repeat()
    {
        using var dir = new TempDirectory();
        var loaded = LoadControl(dir, "control.singlebox.p40.example.yaml", "roles.singlebox.p40.example.yaml");

        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Findings));
        Assert.Equal(4, loaded.Roles.Length);
        Assert.Equal("round_robin", loaded.Config.Routing.DefaultStrategy);
        var translator = loaded.Roles.Single(r => r.RoleId == "scientific_translator");
        Assert.Equal("Quality-prioritized translation route for site localization", translator.Description);
        var repeat = Assert.Single(loaded.Warnings, w => w.KeyPath == "roles[4].role_id");
        Assert.Contains("repeats roles[2]", repeat.Reason, StringComparison.Ordinal);
        Assert.Equal(3, loaded.Warnings.Count());
    }

    [Fact]
    public void Foundation_example_loads_with_later_milestone_features_reported_as_not_enforced()
    {
        using var dir = new TempDirectory();
        var loaded = LoadControl(dir, "control.foundation.example.yaml", "roles.foundation.archive.yaml");

        Assert.False(loaded.HasErrors, string.Join('\n', loaded.Findings));
        Assert.Equal(5, loaded.Roles.Length);
        Assert.Equal("foundation_gateway", loaded.Config.DeploymentProfile);
        var governance = loaded.Config.Governance;
        Assert.True(governance.EnableNamedClientKeys);
        Assert.True(governance.AuditEnabled);
        Assert.True(governance.AdminApiEnabled);
        Assert.Equal(2, governance.Providers.Length);
        Assert.False(governance.Providers[1].Enabled);
        Assert.Equal(5000, governance.Budgeting.GlobalMonthlyBudgetCents);
        Assert.Equal((150000L, 600000L), governance.Budgeting.ModelPrices["gpt-4o-mini"]);

        var warnings = loaded.Warnings.Select(w => w.KeyPath).ToArray();
        Assert.Equal(
            ["auth.enable_named_client_keys", "audit.enabled", "admin_api.enabled", "authorization.enforce_model_allowlists",
             "authorization.enforce_operation_allowlists", "auth.client_api_keys", "auth.node_api_keys"],
            warnings);
    }

    [Theory]
    [InlineData("roles.agentic.example.yaml", 2)]
    [InlineData("roles.foundation.archive.yaml", 5)]
    [InlineData("roles.belbin.example.yaml", 9)]
    [InlineData("roles.sixhats.example.yaml", 6)]
    [InlineData("roles.xp.example.yaml", 5)]
    [InlineData("roles.disney.example.yaml", 3)]
    [InlineData("roles.surgical-team.example.yaml", 9)]
    public void Each_shipped_catalog_loads_its_roles_without_findings(string catalog, int roles)
    {
        using var dir = new TempDirectory();
        var loaded = LoadCatalogs(dir, catalog);

        Assert.Empty(loaded.Findings);
        Assert.Equal(roles, loaded.Roles.Length);
        Assert.All(loaded.Roles, r => Assert.False(string.IsNullOrEmpty(r.Modality)));
    }

    [Fact]
    public void Agentic_catalog_keeps_guardrail_and_tool_fields()
    {
        using var dir = new TempDirectory();
        var loaded = LoadCatalogs(dir, "roles.agentic.example.yaml");

        var tool = loaded.Roles.Single(r => r.RoleId == "tool_user").RoutingPolicy;
        Assert.Equal("forge_proxy", tool.GuardrailProfile);
        Assert.True(tool.ForceRespondTool);
        Assert.Equal("upstream", tool.ContextBudgetMode);
        Assert.Equal(["agentic.tool_use", "agentic.required_steps", "agentic.compaction"], tool.AgenticBenchmarkWorkloads.ToArray());
    }

    [Fact]
    public void Disney_fallback_cycle_is_allowed()
    {
        using var dir = new TempDirectory();
        var loaded = LoadCatalogs(dir, "roles.disney.example.yaml");

        Assert.Equal(["disney_critic"], loaded.Roles.Single(r => r.RoleId == "disney_realist").RoutingPolicy.FallbackRoles.ToArray());
        Assert.Equal(["disney_realist"], loaded.Roles.Single(r => r.RoleId == "disney_critic").RoutingPolicy.FallbackRoles.ToArray());
    }

    [Fact]
    public void Two_catalogs_defining_mentor_fail_with_an_error_naming_both_files()
    {
        using var dir = new TempDirectory();
        var loaded = LoadCatalogs(dir, "roles.singlebox.p40.example.yaml", "roles.example.yaml");

        Assert.True(loaded.HasErrors);
        var mentor = Assert.Single(loaded.Findings, f => f.IsError && f.Reason.Contains("\"mentor\"", StringComparison.Ordinal));
        Assert.Equal("configs/roles.example.yaml", mentor.File);
        Assert.Equal("roles[0].role_id", mentor.KeyPath);
        Assert.Contains("also defined in configs/roles.singlebox.p40.example.yaml roles[0]", mentor.Reason, StringComparison.Ordinal);
        Assert.Equal((2, 14), (mentor.Line, mentor.Column));
        Assert.StartsWith("error   configs/roles.example.yaml: roles[0].role_id: \"mentor\" is also defined in", mentor.ToString(), StringComparison.Ordinal);
    }
}
