using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;

namespace GenieHive.Benchmarks.Routing;

/// <summary><see cref="RequestPolicyApplier.Apply"/> for a role with persona, template and body defaults on a Qwen3 service.</summary>
[MemoryDiagnoser]
public class RequestPolicyBenchmarks
{
    private JsonObject _body = null!;
    private RoleRecord _role = null!;
    private ServiceRecord _service = null!;

    [GlobalSetup]
    public void Setup()
    {
        _body = JsonNode.Parse("""
            {"model":"mentor","stream":true,"temperature":0.7,
             "messages":[{"role":"system","content":"Be concise."},{"role":"user","content":"Why does my build fail?"},
                         {"role":"assistant","content":"Show me the log."},{"role":"user","content":"error CS1002: ; expected"}]}
            """)!.AsObject();
        var defaults = JsonDocument.Parse("""{"top_p":0.9,"chat_template_kwargs":{"enable_thinking":false}}""").RootElement.Clone();
        _role = new RoleRecord("mentor", "Mentor", null, Operations.Chat, "text",
            new PromptPolicy("You are a patient mentor.", "Help with:\n\n{input}", new RequestPolicy(defaults, "Answer in English.", "append")),
            RoutingPolicy.Default, 0, 0);
        var table = RoutingBenchmarkCluster.Create(10, Strategies.Scored);
        _service = table.Services[0];
    }

    [Benchmark]
    public ShapedRequest ApplyRolePolicy() => RequestPolicyApplier.Apply(_body, _role, _service, "mentor", injectStreamUsage: true);

    [Benchmark]
    public ShapedRequest ApplyDirect() => RequestPolicyApplier.Apply(_body, null, _service, "qwen3-model-0", injectStreamUsage: false);
}
