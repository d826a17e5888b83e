using GenieHive.NodeAgent.Simulation;
using GenieHive.ServiceDefaults.Errors;
using Whisper.net;

namespace GenieHive.NodeAgent.Runtimes.Host;

internal sealed partial class RuntimeHostServer
{
    /// <summary>whisper.cpp decodes nothing from less than this (it warns and returns no segment).</summary>
    private const double MinimumSeconds = 0.1;

    /// <summary>
    /// <c>/v1/audio/transcriptions</c>: the form is read and checked, then a slot of the request gate is taken before
    /// the upload is read into memory and decoded, so at most <c>parallel</c> decodes hold audio buffers at once
    /// (the duration cap of <see cref="WavAudio.MaxSeconds"/> is checked before any sample is decoded).
    /// </summary>
    private async Task TranscriptionAsync(HttpContext context, WhisperEngine engine, CancellationToken cancellationToken)
    {
        var (request, error) = await TranscriptionWire.ReadAsync(context, _spec.MaxMultipartBodyBytes, cancellationToken);
        string? language = null;
        if (request is not null)
        {
            error = CheckModel(request.Model) ?? CheckLanguage(request.Language, engine.Header, out language);
        }

        if (request is null || error is not null)
        {
            await ErrorWriter.WriteAsync(context, error!);
            return;
        }

        using var lease = await EnterAsync(context, cancellationToken);
        if (lease is null)
        {
            return;
        }

        var file = new byte[request.File.Length];
        await using (var upload = request.File.OpenReadStream())
        {
            await upload.ReadExactlyAsync(file, cancellationToken);
        }

        if (WavAudio.TryDecode(file, out var audio) is { } problem)
        {
            await ErrorWriter.WriteAsync(context, ApiError.InvalidRequest(problem, "file"));
            return;
        }

        if (audio.DurationSeconds < MinimumSeconds)
        {
            await ErrorWriter.WriteAsync(context, ApiError.InvalidRequest(
                $"The audio is {audio.DurationSeconds:0.###} s long; whisper needs at least {MinimumSeconds} s.", "file"));
            return;
        }

        Transcript transcript;
        try
        {
            transcript = await engine.TranscribeAsync(audio, language, request.Prompt, request.Temperature, cancellationToken);
        }
        catch (WhisperProcessingException ex)
        {
            await ErrorWriter.WriteAsync(context, new ApiError(500, $"whisper.cpp could not transcribe the audio: {ex.Message}", ErrorCodes.InternalError));
            return;
        }

        var (body, isJson) = TranscriptionWire.Render(request.ResponseFormat, transcript);
        if (isJson)
        {
            await HostJson.WriteAsync(context, 200, body, cancellationToken);
            return;
        }

        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = TranscriptionWire.TextContentType;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, cancellationToken);
    }

    /// <summary>
    /// <c>language</c>: absent (detected by a multilingual model), or a whisper language as a code or an English
    /// name; an English-only model takes English only.
    /// </summary>
    private static ApiError? CheckLanguage(string? requested, WhisperModelFile model, out string? code)
    {
        code = null;
        if (requested is null)
        {
            return null;
        }

        code = WhisperLanguages.Code(requested);
        if (code is null)
        {
            return ApiError.InvalidRequest($"'language' {requested} is not a language whisper knows (use a code such as en, de, fr).", "language");
        }

        return !model.Multilingual && code != "en"
            ? ApiError.InvalidRequest($"This model is English-only; 'language' {requested} cannot be transcribed.", "language")
            : null;
    }
}
