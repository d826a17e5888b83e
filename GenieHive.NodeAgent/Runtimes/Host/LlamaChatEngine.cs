using System.Collections.Concurrent;
using System.Text;
using LLama;
using LLama.Common;
using LLama.Exceptions;
using LLama.Native;
using LLama.Sampling;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Chat on a GGUF model through llama.cpp: the weights loaded once, one context (its own KV cache of
/// <c>context</c> tokens) per parallel sequence, the model's own chat template, and a decode-sample loop that hands
/// each token's text to the caller as it is produced.
/// </summary>
internal sealed class LlamaChatEngine : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly ConcurrentQueue<LLamaContext> _contexts = new();
    private readonly bool _hasTemplate;

    private LlamaChatEngine(LLamaWeights weights, IEnumerable<LLamaContext> contexts, bool hasTemplate, int context)
    {
        _weights = weights;
        _hasTemplate = hasTemplate;
        Context = context;
        foreach (var c in contexts)
        {
            _contexts.Enqueue(c);
        }
    }

    /// <summary>Tokens per sequence, prompt and completion together.</summary>
    public int Context { get; }

    public static async Task<LlamaChatEngine> LoadAsync(RuntimeHostSpec spec, CancellationToken cancellationToken)
    {
        var parameters = LlamaParameters.For(spec, embeddings: false);
        var weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellationToken);
        var contexts = new List<LLamaContext>(spec.Parallel);
        for (var i = 0; i < spec.Parallel; i++)
        {
            contexts.Add(weights.CreateContext(parameters));
        }

        var hasTemplate = weights.Metadata.ContainsKey("tokenizer.chat_template");
        return new LlamaChatEngine(weights, contexts, hasTemplate, spec.Context);
    }

    /// <summary>The prompt as the model's chat template renders it, ending with the assistant's turn.</summary>
    public string FormatPrompt(IReadOnlyList<ChatMessage> messages)
    {
        if (_hasTemplate)
        {
            try
            {
                var template = new LLamaTemplate(_weights, strict: true) { AddAssistant = true };
                foreach (var message in messages)
                {
                    template.Add(message.Role, message.Content);
                }

                return LLamaTemplate.Encoding.GetString(template.Apply());
            }
            catch (TemplateNotFoundException)
            {
                // A template llama.cpp cannot render (it only knows built-in families): use the plain transcript.
            }
        }

        var plain = new StringBuilder();
        foreach (var message in messages)
        {
            plain.Append(message.Role).Append(": ").Append(message.Content).Append('\n');
        }

        return plain.Append("assistant:").ToString();
    }

    /// <summary>
    /// Generates one completion. The caller holds a <see cref="RequestGate"/> slot, so a context is always free.
    /// <paramref name="onStart"/> runs once the prompt is known to fit the context, before it is evaluated (not at
    /// all when it does not fit: the outcome then carries the problem); <paramref name="onText"/> receives each token's
    /// text (stop sequences already applied), in order.
    /// </summary>
    public async Task<ChatOutcome> GenerateAsync(ChatCompletionRequest request, Func<CancellationToken, ValueTask>? onStart,
        Func<string, CancellationToken, ValueTask> onText, CancellationToken cancellationToken)
    {
        if (!_contexts.TryDequeue(out var context))
        {
            throw new InvalidOperationException("no free context although the request gate admitted the request");
        }

        try
        {
            return await GenerateAsync(context, request, onStart, onText, cancellationToken);
        }
        finally
        {
            _contexts.Enqueue(context);
        }
    }

    private async Task<ChatOutcome> GenerateAsync(LLamaContext context, ChatCompletionRequest request,
        Func<CancellationToken, ValueTask>? onStart, Func<string, CancellationToken, ValueTask> onText, CancellationToken cancellationToken)
    {
        var handle = context.NativeHandle;
        handle.MemoryClear(true);
        var prompt = context.Tokenize(FormatPrompt(request.Messages), addBos: _weights.Vocab.ShouldAddBOS, special: true);
        if (prompt.Length >= Context)
        {
            return ChatOutcome.TooLong(prompt.Length, Context);
        }

        if (onStart is not null)
        {
            await onStart(cancellationToken);
        }

        using var sampler = new DefaultSamplingPipeline
        {
            Temperature = request.Temperature,
            TopP = request.TopP,
            // OpenAI's sampling is temperature and top_p only: the llama.cpp defaults beyond them are switched off.
            TopK = 0,
            MinP = 0,
            TypicalP = 1,
            RepeatPenalty = 1,
            Seed = request.Seed ?? (uint)Random.Shared.Next(),
        };
        var decoder = new StreamingTokenDecoder(context);
        var stops = new StopMatcher(request.Stop);
        var batch = new LLamaBatch();
        batch.AddRange(prompt, 0, LLamaSeqId.Zero, true);
        var position = prompt.Length;
        var budget = Math.Min(request.MaxTokens ?? int.MaxValue, Context - prompt.Length);
        var produced = 0;
        var finish = "length";
        while (produced < budget)
        {
            if (await context.DecodeAsync(batch, cancellationToken) != DecodeResult.Ok)
            {
                throw new InvalidOperationException("llama_decode failed");
            }

            var token = sampler.Sample(handle, batch.TokenCount - 1);
            if (token.IsEndOfGeneration(_weights.Vocab))
            {
                finish = "stop";
                break;
            }

            produced++;
            decoder.Add(token);
            var (text, stopped) = stops.Add(decoder.Read());
            if (text.Length > 0)
            {
                await onText(text, cancellationToken);
            }

            if (stopped)
            {
                finish = "stop";
                break;
            }

            batch.Clear();
            batch.Add(token, position++, LLamaSeqId.Zero, true);
        }

        // Text held back as a possible stop sequence that never completed belongs to the completion.
        var rest = stops.Flush();
        if (rest.Length > 0)
        {
            await onText(rest, cancellationToken);
        }

        return new ChatOutcome(prompt.Length, produced, finish, null);
    }

    public void Dispose()
    {
        while (_contexts.TryDequeue(out var context))
        {
            context.Dispose();
        }

        _weights.Dispose();
    }
}

/// <summary>A finished generation: token counts and OpenAI's <c>finish_reason</c>, or why it could not start.</summary>
internal sealed record ChatOutcome(int PromptTokens, int CompletionTokens, string FinishReason, string? Problem)
{
    public static ChatOutcome TooLong(int prompt, int context) =>
        new(prompt, 0, "length", $"The prompt has {prompt} tokens; this model's context holds {context}.");
}
