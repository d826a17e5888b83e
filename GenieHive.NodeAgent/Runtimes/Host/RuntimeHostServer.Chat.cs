using System.Buffers;
using System.Text;
using System.Text.Json;
using GenieHive.NodeAgent.Simulation;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes.Host;

internal sealed partial class RuntimeHostServer
{
    private async Task ChatAsync(HttpContext context, LlamaChatEngine engine, CancellationToken cancellationToken)
    {
        if (await AdmitAsync<ChatCompletionRequest>(context, ChatCompletionRequest.Parse, r => r.Model, cancellationToken) is not { } admitted)
        {
            return;
        }

        using var lease = admitted.Lease;
        var request = admitted.Request;

        if (request.Stream)
        {
            await StreamChatAsync(context, engine, request, cancellationToken);
            return;
        }

        var text = new StringBuilder();
        var outcome = await engine.GenerateAsync(request, onStart: null, (piece, _) =>
        {
            text.Append(piece);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        if (outcome.Problem is { } problem)
        {
            await ErrorWriter.WriteAsync(context, ApiError.InvalidRequest(problem, "messages"));
            return;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512 + (text.Length * 2));
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            ChatWire.WriteCompletion(writer, request.Model, _time.GetUtcNow().ToUnixTimeSeconds(), text.ToString(), outcome.FinishReason,
                outcome.PromptTokens, outcome.CompletionTokens);
        }

        await HostJson.WriteAsync(context, 200, buffer.WrittenMemory, cancellationToken);
    }

    /// <summary>
    /// SSE in OpenAI's chunk shape, one event per piece of text, each flushed as it is produced. The status line and
    /// headers leave as soon as the prompt is known to fit, before the model evaluates it (so a prompt the context
    /// cannot hold is still a 400): the agent's endpoint and the control plane have the response open while the model
    /// computes, and the first token then only travels as an event. The first event (the assistant role with the
    /// first piece) waits for the first piece, so until the model has produced something the control plane can still
    /// fail over (D7 counts from the first event).
    /// </summary>
    private async Task StreamChatAsync(HttpContext context, LlamaChatEngine engine, ChatCompletionRequest request, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var id = ChatWire.NewId();
        var created = _time.GetUtcNow().ToUnixTimeSeconds();
        var prefix = ChatWire.ChunkPrefix(id, created, _encodedModel);
        var pipe = response.BodyWriter;
        var roleSent = false;

        async ValueTask StartAsync(CancellationToken ct)
        {
            response.StatusCode = 200;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            // The flush starts the response: status and headers leave now, before the prompt is evaluated.
            await pipe.FlushAsync(ct);
        }

        void WriteRole()
        {
            roleSent = true;
            pipe.Write(prefix);
            pipe.Write(ChatWire.RoleDelta);
            pipe.Write(ChatWire.OpenTail);
        }

        var outcome = await engine.GenerateAsync(request, StartAsync, async (piece, ct) =>
        {
            if (!roleSent)
            {
                WriteRole();
            }

            pipe.Write(prefix);
            HostJson.WriteContentDelta(pipe, piece);
            pipe.Write(ChatWire.OpenTail);
            await pipe.FlushAsync(ct);
        }, cancellationToken);

        if (outcome.Problem is { } problem)
        {
            // Only a prompt the context cannot hold, found before the start.
            await ErrorWriter.WriteAsync(context, ApiError.InvalidRequest(problem, "messages"));
            return;
        }

        if (!roleSent)
        {
            WriteRole();
        }

        pipe.Write(prefix);
        pipe.Write(ChatWire.EmptyDelta);
        pipe.Write(outcome.FinishReason == "stop" ? ChatWire.StopTail : ChatWire.LengthTail);
        if (request.IncludeUsage)
        {
            pipe.Write(ChatWire.UsageChunk(id, created, request.Model, outcome.PromptTokens, outcome.CompletionTokens));
        }

        pipe.Write(ChatWire.Done);
        await pipe.FlushAsync(cancellationToken);
    }
}
