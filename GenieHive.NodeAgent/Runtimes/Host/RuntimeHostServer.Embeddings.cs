using System.Buffers;
using System.Text.Json;
using GenieHive.NodeAgent.Simulation;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes.Host;

internal sealed partial class RuntimeHostServer
{
    private async Task EmbeddingsAsync(HttpContext context, IEmbeddingEngine engine, CancellationToken cancellationToken)
    {
        if (await AdmitAsync<EmbeddingsRequest>(context, EmbeddingsRequest.Parse, r => r.Model, cancellationToken) is not { } admitted)
        {
            return;
        }

        using var lease = admitted.Lease;
        var request = admitted.Request;

        var (vectors, tokens) = await engine.EmbedAsync(request.Inputs, cancellationToken);
        var dimensions = vectors.Length == 0 ? 0 : vectors[0].Length;
        var buffer = new ArrayBufferWriter<byte>((vectors.Length * dimensions * 12) + 256);
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            EmbeddingsWire.WriteStart(writer);
            for (var i = 0; i < vectors.Length; i++)
            {
                EmbeddingsWire.WriteItem(writer, i, vectors[i], request.Base64);
            }

            EmbeddingsWire.WriteEnd(writer, request.Model, tokens);
        }

        await HostJson.WriteAsync(context, 200, buffer.WrittenMemory, cancellationToken);
    }
}
