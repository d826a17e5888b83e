using System.Buffers;
using System.Runtime.InteropServices;
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
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            for (var i = 0; i < vectors.Length; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                if (request.Base64)
                {
                    // OpenAI's base64 encoding: the float32 values, little-endian, as one base64 string.
                    writer.WriteBase64String("embedding", MemoryMarshal.AsBytes(vectors[i].AsSpan()));
                }
                else
                {
                    writer.WriteStartArray("embedding");
                    foreach (var value in vectors[i])
                    {
                        writer.WriteNumberValue(value);
                    }

                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", request.Model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        await HostJson.WriteAsync(context, 200, buffer.WrittenMemory, cancellationToken);
    }
}
