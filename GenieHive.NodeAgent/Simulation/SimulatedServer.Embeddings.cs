using System.Buffers;
using System.Text;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Simulation;

internal sealed partial class SimulatedServer
{
    private async Task EmbeddingsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (body, bodyError) = await ReadJsonBodyAsync(context, cancellationToken);
        if (bodyError is not null)
        {
            await ErrorWriter.WriteAsync(context, bodyError);
            return;
        }

        var error = SimulatedRequests.ParseEmbeddings(body!.Value.Buffer, out var request);
        context.Request.BodyReader.AdvanceTo(body.Value.Buffer.End);
        error ??= CheckModel(request.Model);
        if (error is not null)
        {
            await ErrorWriter.WriteAsync(context, error);
            return;
        }

        var (proceed, midStream) = await BeforeFirstByteAsync(context, 0, cancellationToken);
        if (!proceed)
        {
            return;
        }

        var dimensions = Config.Dimensions;
        var vector = ArrayPool<float>.Shared.Rent(dimensions);
        var buffer = new ArrayBufferWriter<byte>(request.Inputs.Count * dimensions * 12 + 256);
        var promptTokens = 0;
        try
        {
            using var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions);
            EmbeddingsWire.WriteStart(writer);
            for (var i = 0; i < request.Inputs.Count; i++)
            {
                var input = request.Inputs[i];
                promptTokens += Math.Max(1, (Encoding.UTF8.GetByteCount(input) + 3) / 4);
                var span = vector.AsSpan(0, dimensions);
                EmbeddingVectors.Fill(request.Model, input, span);
                EmbeddingsWire.WriteItem(writer, i, span, request.Base64);
            }

            EmbeddingsWire.WriteEnd(writer, request.Model, promptTokens);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vector);
        }

        await WriteJsonAsync(context, buffer.WrittenMemory, midStream, cancellationToken);
    }
}
