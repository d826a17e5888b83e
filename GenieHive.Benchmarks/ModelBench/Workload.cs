using System.Collections.Immutable;

namespace GenieHive.Benchmarks.ModelBench;

/// <summary>A built-in benchmark workload (benchmarks.md "Workloads"): fixed cases sent one at a time.</summary>
/// <param name="Operation"><c>chat</c>, <c>embeddings</c> or <c>transcription</c>.</param>
/// <param name="SystemPrompt">Chat only: the workload's system message.</param>
/// <param name="ExtraBody">Chat only: extra members added to each request body, as compact JSON, or null.</param>
internal sealed record Workload(
    string Id,
    string Operation,
    string? SystemPrompt,
    string? ExtraBody,
    ImmutableArray<WorkloadCase> Cases);

/// <param name="Prompt">Chat: the user message. Embeddings: the inputs, one per line. Transcription: the spoken text
/// the generated clip stands for (a label only; the audio is a synthetic tone).</param>
internal sealed record WorkloadCase(string Id, string Prompt);

internal static class Workloads
{
    public static ImmutableArray<Workload> All { get; } =
    [
        new("chat.short_reasoning", "chat",
            "You are a concise and careful reasoning assistant. Return only a visible final answer. Do not spend tokens on hidden reasoning or an internal monologue.",
            "{\"chat_template_kwargs\":{\"enable_thinking\":false}}",
            [
                new("short_reasoning_1", "In two short paragraphs, explain why a loaded healthy route should be preferred over a cold route. Return only the final answer text."),
                new("short_reasoning_2", "Give a compact tradeoff summary for a service with lower latency but worse throughput than another. Return only the final answer text."),
            ]),
        new("chat.concise_support", "chat",
            "You are a concise support assistant. Return only a visible final answer.",
            null,
            [
                new("concise_support_1", "Reply with a short troubleshooting checklist for a local API endpoint returning 404. Return only the final answer text."),
                new("concise_support_2", "Reply with a short checklist for checking a tmux-managed service that exited at startup. Return only the final answer text."),
            ]),
        // GenieHive's own design: a search-style batch. Pass = one finite, non-zero vector per input, all of one length.
        new("embeddings.semantic_search", "embeddings", null, null,
            [
                new("semantic_search_1", "a cat sat on the mat\na kitten rested on the rug\nstock markets fell sharply today"),
                new("semantic_search_2", "how do I restart the node agent\nsystemctl restart geniehive-node\nthe weather is sunny"),
            ]),
        // GenieHive's own design: a generated 16 kHz mono WAV clip. Pass = a non-empty transcript.
        new("transcription.short_clip", "transcription", null, null,
            [
                new("short_clip_1", "one second tone"),
                new("short_clip_2", "two second tone"),
            ]),
    ];

    public static Workload? Find(string id) => All.FirstOrDefault(w => w.Id == id);
}
