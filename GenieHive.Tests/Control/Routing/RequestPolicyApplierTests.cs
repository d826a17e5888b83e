using System.Text.Json;
using System.Text.Json.Nodes;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Tests.Control.Routing;

public sealed class RequestPolicyApplierTests
{
    private static JsonObject Body(string json) => JsonNode.Parse(json)!.AsObject();

    private static RequestPolicy Policy(string? defaults = null, string? prompt = null, string position = "prepend") =>
        new(defaults is null ? null : RoutingFixture.Json(defaults), prompt, position);

    private static RoleRecord Role(string? persona = null, string? template = null, RequestPolicy? policy = null) =>
        new RoutingFixture().Role("mentor", prompt: new PromptPolicy(persona, template, policy ?? RequestPolicy.Empty));

    private static ServiceRecord Service(string id = "h1/chat", string[]? assets = null, string kind = "chat", RequestPolicy? assetPolicy = null, bool loaded = true) =>
        new RoutingFixture().Service(id, "h1", kind: kind, assets: assets ?? ["llama-3-8b"], assetPolicy: assetPolicy, loaded: loaded);

    private static string Apply(string body, RoleRecord? role, ServiceRecord service, string requested = "mentor", bool inject = false) =>
        RequestPolicyApplier.Apply(Body(body), role, service, requested, inject).Body.ToJsonString();

    [Fact]
    public void Defaults_are_added_after_the_caller_keys_deep_merged_and_the_caller_wins_including_null()
    {
        var role = Role(policy: Policy("""{"temperature":0.1,"top_p":0.9,"extra":{"a":1,"b":{"c":2}},"stop":["x"]}"""));
        var json = Apply("""{"model":"mentor","top_p":null,"extra":{"b":{"d":3},"e":4},"stop":"caller"}""", role, Service());

        Assert.Equal("""{"model":"llama-3-8b","top_p":null,"extra":{"b":{"d":3,"c":2},"e":4,"a":1},"stop":"caller","temperature":0.1}""", json);
    }

    [Fact]
    public void Caller_enable_thinking_beats_the_inferred_Qwen3_default()
    {
        var service = Service(assets: ["qwen3-8b-q4km"]);

        Assert.Equal("""{"model":"qwen3-8b-q4km","chat_template_kwargs":{"enable_thinking":true}}""",
            Apply("""{"model":"qwen3-8b-q4km","chat_template_kwargs":{"enable_thinking":true}}""", null, service, "qwen3-8b-q4km"));
        Assert.Equal("""{"model":"qwen3-8b-q4km","chat_template_kwargs":{"enable_thinking":false}}""",
            Apply("""{"model":"qwen3-8b-q4km"}""", null, service, "qwen3-8b-q4km"));
    }

    [Theory]
    [InlineData("Qwen3.5-9B-Q5_K_S", true)]
    [InlineData("qwen3:8b", true)]
    [InlineData("qwen2.5-14b", false)]
    [InlineData("q-w-e-n-3", true)]
    [InlineData("qwen", false)]
    public void Qwen3_inference_normalises_ids(string id, bool expected) =>
        Assert.Equal(expected, RequestPolicyApplier.StartsWithQwen3(id));

    [Fact]
    public void A_service_id_containing_qwen3_in_the_middle_alone_does_not_infer_the_policy()
    {
        var service = Service("atlas-01/chat/qwen3-8b", assets: ["llama"]);

        Assert.Null(RequestPolicyApplier.Effective(null, service, "llama"));
        Assert.NotNull(RequestPolicyApplier.Effective(null, Service("qwen3-box", assets: ["llama"]), "llama"));
        Assert.NotNull(RequestPolicyApplier.Effective(null, Service(assets: ["llama", "Qwen3.5-9B-Q5_K_S"]), "llama"));
    }

    [Fact]
    public void Effective_policy_merges_inferred_then_asset_then_role_with_the_last_prompt()
    {
        var asset = Policy("""{"chat_template_kwargs":{"enable_thinking":true,"x":1},"temperature":0.5}""", "asset prompt", "append");
        var role = Role(policy: Policy("""{"temperature":0.2}""", "role prompt", "replace"));
        var effective = RequestPolicyApplier.Effective(role, Service(assets: ["qwen3-8b"], assetPolicy: asset), "mentor")!;

        Assert.Equal("""{"chat_template_kwargs":{"enable_thinking":true,"x":1},"temperature":0.2}""", effective.BodyDefaults!.ToJsonString());
        Assert.Equal("role prompt", effective.SystemPrompt);
        Assert.Equal("replace", effective.SystemPromptPosition);

        var roleWithoutPrompt = Role(policy: Policy("""{"temperature":0.2}"""));
        var kept = RequestPolicyApplier.Effective(roleWithoutPrompt, Service(assetPolicy: asset), "mentor")!;
        Assert.Equal("asset prompt", kept.SystemPrompt);
        Assert.Equal("append", kept.SystemPromptPosition);
    }

    [Fact]
    public void Persona_is_inserted_as_a_system_message_or_prefixed_to_the_first_one()
    {
        var role = Role(persona: "You are a mentor.");

        Assert.Equal("""{"messages":[{"role":"system","content":"You are a mentor."},{"role":"user","content":"hi"}],"model":"llama-3-8b"}""",
            Apply("""{"messages":[{"role":"user","content":"hi"}],"model":"x"}""", role, Service()));
        Assert.Contains("""{"role":"system","content":"You are a mentor.\n\nBe brief."}""",
            Apply("""{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}""", role, Service()), StringComparison.Ordinal);
        Assert.Contains("""{"role":"system","content":[{"type":"text","text":"You are a mentor."},{"type":"text","text":"Be brief."}]}""",
            Apply("""{"messages":[{"role":"system","content":[{"type":"text","text":"Be brief."}]}]}""", role, Service()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"system","content":"You are a mentor."}]}""")]
    [InlineData("""{"messages":[{"role":"system","content":"You are a mentor. Extra."}]}""")]
    [InlineData("""{"messages":[{"role":"system","content":"other"},{"role":"system","content":"You are a mentor."}]}""")]
    public void Persona_is_skipped_when_already_present(string body)
    {
        var json = Apply(body, Role(persona: "You are a mentor."), Service());

        Assert.Equal(body.Replace("}]}", "}],\"model\":\"llama-3-8b\"}", StringComparison.Ordinal), json);
    }

    [Fact]
    public void Non_object_messages_are_dropped_only_when_a_prompt_step_applies()
    {
        Assert.Equal("""{"messages":[{"role":"system","content":"p"},{"role":"user","content":"hi"}],"model":"llama-3-8b"}""",
            Apply("""{"messages":["junk",{"role":"user","content":"hi"},3]}""", Role(persona: "p"), Service()));
        Assert.Equal("""{"messages":["junk",3],"model":"llama-3-8b"}""",
            Apply("""{"messages":["junk",3]}""", null, Service()));
    }

    [Theory]
    [InlineData("prepend", """[{"role":"system","content":"Policy."},{"role":"system","content":"persona\n\nmine"},{"role":"user","content":"hi"}]""")]
    [InlineData("append", """[{"role":"system","content":"persona\n\nmine"},{"role":"user","content":"hi"},{"role":"system","content":"Policy."}]""")]
    [InlineData("replace", """[{"role":"system","content":"Policy."},{"role":"user","content":"hi"}]""")]
    public void Policy_prompt_positions(string position, string expectedMessages)
    {
        var role = Role(persona: "persona", policy: Policy(prompt: "Policy.", position: position));
        var json = Apply("""{"messages":[{"role":"system","content":"mine"},{"role":"user","content":"hi"}]}""", role, Service());

        Assert.Equal("{\"messages\":" + expectedMessages + ",\"model\":\"llama-3-8b\"}", json);
    }

    [Fact]
    public void Replace_without_a_system_message_inserts_first_and_an_equal_prompt_is_skipped()
    {
        Assert.Equal("""{"messages":[{"role":"system","content":"Policy."},{"role":"user","content":"hi"}],"model":"llama-3-8b"}""",
            Apply("""{"messages":[{"role":"user","content":"hi"}]}""", Role(policy: Policy(prompt: "Policy.", position: "replace")), Service()));
        Assert.Equal("""{"messages":[{"role":"user","content":"hi"},{"role":"system","content":"Policy."}],"model":"llama-3-8b"}""",
            Apply("""{"messages":[{"role":"user","content":"hi"},{"role":"system","content":"Policy."}]}""", Role(policy: Policy(prompt: "Policy.")), Service()));
    }

    [Theory]
    [InlineData("Review:\n\n{input}\n--{input}", "Review:\n\ncode\n--code")]
    [InlineData("Q: {{ user_input }} / {{user_input}} / {{  user_input}}", "Q: code / code / code")]
    [InlineData("Review this.", "Review this.\n\ncode")]
    [InlineData("{{ other }} {input", "{{ other }} {input\n\ncode")]
    public void User_template_placeholders(string template, string expected) =>
        Assert.Equal(expected, RequestPolicyApplier.RenderTemplate(template, "code"));

    [Fact]
    public void User_template_is_literal_and_wraps_the_last_user_message_or_its_last_text_part()
    {
        var role = Role(template: "T: {input}");

        Assert.Equal("""{"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"a"},{"role":"user","content":"T: {{ user_input }}"}],"model":"llama-3-8b"}""",
            Apply("""{"messages":[{"role":"user","content":"first"},{"role":"assistant","content":"a"},{"role":"user","content":"{{ user_input }}"}]}""", role, Service()));
        Assert.Equal("""{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"T: b"},{"type":"image_url","image_url":{"url":"v"}}]}],"model":"llama-3-8b"}""",
            Apply("""{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}},{"type":"text","text":"b"},{"type":"image_url","image_url":{"url":"v"}}]}]}""", role, Service()));
    }

    [Fact]
    public void Model_is_the_upstream_model_id()
    {
        var service = new RoutingFixture().Service("h1/chat", "h1", assets: ["cold", "warm", "other"]);
        var loaded = service with { Assets = [service.Assets[0] with { Loaded = false }, service.Assets[1], service.Assets[2] with { Loaded = false }] };

        Assert.Equal("other", UpstreamModel.IdFor(loaded, "other"));
        Assert.Equal("warm", UpstreamModel.IdFor(loaded, "mentor"));
        Assert.Equal("cold", UpstreamModel.IdFor(loaded with { Assets = [service.Assets[0] with { Loaded = false }] }, "mentor"));
        Assert.Equal("mentor", UpstreamModel.IdFor(loaded with { Assets = [] }, "mentor"));
    }

    [Fact]
    public void Embeddings_bodies_change_only_in_model()
    {
        var role = Role(persona: "p", template: "t {input}", policy: Policy("""{"temperature":0.1}"""));
        var body = """{"model":"e","input":"hello","stream":true}""";

        Assert.Equal("""{"model":"nomic","input":"hello","stream":true}""",
            Apply(body, role, Service(kind: "embeddings", assets: ["nomic"]), "e", inject: true));
    }

    [Fact]
    public void Stream_usage_is_injected_merged_and_flagged_to_hide_the_usage_chunk()
    {
        var injected = RequestPolicyApplier.Apply(Body("""{"stream":true,"stream_options":{"other":1}}"""), null, Service(), "m", true);
        Assert.True(injected.HideUsageChunk);
        Assert.Equal("""{"stream":true,"stream_options":{"other":1,"include_usage":true},"model":"llama-3-8b"}""", injected.Body.ToJsonString());

        var fresh = RequestPolicyApplier.Apply(Body("""{"stream":true}"""), null, Service(), "m", true);
        Assert.True(fresh.HideUsageChunk);
        Assert.Equal("""{"stream":true,"model":"llama-3-8b","stream_options":{"include_usage":true}}""", fresh.Body.ToJsonString());

        var asked = RequestPolicyApplier.Apply(Body("""{"stream":true,"stream_options":{"include_usage":true}}"""), null, Service(), "m", true);
        Assert.False(asked.HideUsageChunk);

        var notAllowed = RequestPolicyApplier.Apply(Body("""{"stream":true}"""), null, Service(), "m", false);
        Assert.False(notAllowed.HideUsageChunk);
        Assert.Null(notAllowed.Body["stream_options"]);

        Assert.False(RequestPolicyApplier.Apply(Body("""{"stream":false}"""), null, Service(), "m", true).HideUsageChunk);
    }

    [Fact]
    public void Stream_usage_is_not_allowed_for_services_that_disable_or_refuse_it()
    {
        var f = new RoutingFixture();
        var off = f.Service("h1/off", "h1", runtime: """{"stream_usage":false}""");
        var on = f.Service("h1/on", "h1");
        var table = f.Table();

        Assert.False(RequestPolicyApplier.StreamUsageAllowed(table, off, null));
        Assert.True(RequestPolicyApplier.StreamUsageAllowed(table, on, f.Live.Get("h1/on")));
        f.Live.Get("h1/on").RefusesStreamUsage = true;
        Assert.False(RequestPolicyApplier.StreamUsageAllowed(table, on, f.Live.Get("h1/on")));
    }

    [Fact]
    public void The_caller_body_is_never_modified()
    {
        var caller = Body("""{"model":"mentor","messages":[{"role":"user","content":"hi"}],"stream":true}""");
        var before = caller.ToJsonString();

        RequestPolicyApplier.Apply(caller, Role(persona: "p", template: "t {input}", policy: Policy("""{"temperature":1}""", "s")), Service(), "mentor", true);

        Assert.Equal(before, caller.ToJsonString());
    }

    [Fact]
    public void Effective_policy_json_shape()
    {
        var effective = RequestPolicyApplier.Effective(Role(policy: Policy(prompt: "Answer in English.", position: "append")), Service(assets: ["qwen3-8b"]), "mentor")!;
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            effective.WriteTo(writer);
        }

        Assert.Equal("""{"body_defaults":{"chat_template_kwargs":{"enable_thinking":false}},"system_prompt":"Answer in English.","system_prompt_position":"append"}""",
            System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
