using System.Buffers;
using System.Text.Json;

namespace GenieHive.NodeAgent.Simulation;

internal sealed partial class SimulatedServer
{
    private async Task ChatAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await ReadJsonBodyAsync(context, cancellationToken);
        if (bodyError is not null)
        {
            await GenieHive.ServiceDefaults.Errors.ErrorWriter.WriteAsync(context, bodyError);
            return;
        }

        var error = SimulatedRequests.ParseChat(body!.Value.Buffer, out var request);
        context.Request.BodyReader.AdvanceTo(body.Value.Buffer.End);
        error ??= CheckModel(request.Model);
        if (error is not null)
        {
            await GenieHive.ServiceDefaults.Errors.ErrorWriter.WriteAsync(context, error);
            return;
        }

        var tokens = Config.CompletionTokens;
        var finishTail = ChatWire.StopTail;
        if (request.MaxTokens is { } max && max < tokens)
        {
            tokens = max;
            finishTail = ChatWire.LengthTail;
        }

        var promptTokens = Math.Max(1, (request.PromptBytes + 3) / 4);
        var interval = Config.TokensPerS > 0 ? 1000.0 / Config.TokensPerS : 0;
        if (!request.Stream)
        {
            var (proceed, midStream) = await BeforeFirstByteAsync(context, interval * tokens, cancellationToken);
            if (proceed)
            {
                await WriteChatJsonAsync(context, request, tokens, finishTail == ChatWire.StopTail ? "stop" : "length", promptTokens, midStream,
                    cancellationToken);
            }

            return;
        }

        var (go, breakHalfway) = await BeforeFirstByteAsync(context, 0, cancellationToken);
        if (!go)
        {
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var id = ChatWire.NewId();
        var created = _time.GetUtcNow().ToUnixTimeSeconds();
        var prefix = ChatWire.ChunkPrefix(id, created, _encodedModels[request.Model]);
        await response.StartAsync(cancellationToken);
        var pipe = response.BodyWriter;
        var start = _time.GetTimestamp();

        pipe.Write(prefix);
        pipe.Write(ChatWire.RoleDelta);
        pipe.Write(ChatWire.OpenTail);
        var stopAt = breakHalfway ? tokens / 2 : tokens;
        for (var i = 0; i < stopAt; i++)
        {
            if (i > 0 && interval > 0)
            {
                var due = TimeSpan.FromMilliseconds(interval * i) - _time.GetElapsedTime(start);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, _time, cancellationToken);
                }
            }

            pipe.Write(prefix);
            pipe.Write(ChatWire.TokenDeltas[i % ChatWire.TokenDeltas.Length]);
            pipe.Write(ChatWire.OpenTail);
            await pipe.FlushAsync(cancellationToken);
        }

        if (breakHalfway)
        {
            // Let the half that was sent reach the client: a reset discards data still unread in its socket buffer.
            await DelayAsync(Math.Max(interval, 20), cancellationToken);
            context.Abort();
            return;
        }

        pipe.Write(prefix);
        pipe.Write(ChatWire.EmptyDelta);
        pipe.Write(finishTail);
        if (request.IncludeUsage)
        {
            pipe.Write(ChatWire.UsageChunk(id, created, request.Model, promptTokens, tokens));
        }

        pipe.Write(ChatWire.Done);
        await pipe.FlushAsync(cancellationToken);
    }

    private async Task WriteChatJsonAsync(HttpContext context, ChatRequest request, int tokens, string finishReason, int promptTokens,
        bool midStream, CancellationToken cancellationToken)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            ChatWire.WriteCompletion(writer, request.Model, _time.GetUtcNow().ToUnixTimeSeconds(), ChatWire.Text(tokens), finishReason, promptTokens, tokens);
        }

        await WriteJsonAsync(context, buffer.WrittenMemory, midStream, cancellationToken);
    }

    /// <summary>Writes a JSON body; a mid-stream failure sends half of it and then resets the connection.</summary>
    private static async Task WriteJsonAsync(HttpContext context, ReadOnlyMemory<byte> body, bool midStream, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = SimulatedJson.JsonContentType;
        response.ContentLength = body.Length;
        if (midStream)
        {
            await response.Body.WriteAsync(body[..(body.Length / 2)], cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            context.Abort();
            return;
        }

        await response.Body.WriteAsync(body, cancellationToken);
    }
}
