using GenieHive.NodeAgent.Configuration;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Simulation;

internal sealed partial class SimulatedServer
{
    private async Task TranscriptionAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var (request, error) = await TranscriptionWire.ReadAsync(context, NodeConfig.DefaultMaxMultipartBodyBytes, cancellationToken);
        if (request is not null)
        {
            error = CheckModel(request.Model);
        }

        if (request is null || error is not null)
        {
            await ErrorWriter.WriteAsync(context, error!);
            return;
        }

        var (proceed, midStream) = await BeforeFirstByteAsync(context, 0, cancellationToken);
        if (!proceed)
        {
            return;
        }

        // The configured transcript as one segment of one second; the upload itself is not decoded.
        var transcript = new Transcript(request.Language ?? "english", 1.0, [new TranscriptSegment(0, 1.0, Config.Transcript)]);
        var (body, isJson) = TranscriptionWire.Render(request.ResponseFormat, transcript);
        if (isJson)
        {
            await WriteJsonAsync(context, body, midStream, cancellationToken);
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = TranscriptionWire.TextContentType;
        response.ContentLength = body.Length;
        if (midStream)
        {
            await response.Body.WriteAsync(body.AsMemory(0, body.Length / 2), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            context.Abort();
            return;
        }

        await response.Body.WriteAsync(body, cancellationToken);
    }
}
