using GenieHive.NodeAgent.Simulation;
using Whisper.net;
using Whisper.net.LibraryLoader;
using Whisper.net.Logger;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Transcription of a whisper.cpp ggml model through Whisper.net (CPU natives): the model loaded once, and a
/// processor with each request's own options (language, prompt, temperature) on a whisper.cpp state of its own, so
/// <c>parallel</c> requests decode at once on the shared weights.
/// </summary>
internal sealed class WhisperEngine : IDisposable
{
    private readonly WhisperFactory _factory;
    private readonly IDisposable _log;
    private readonly int? _threads;

    private WhisperEngine(WhisperFactory factory, IDisposable log, WhisperModelFile header, int? threads)
    {
        _factory = factory;
        _log = log;
        Header = header;
        _threads = threads;
    }

    public WhisperModelFile Header { get; }

    /// <summary>
    /// Loads the model now (not on the first request), so a file whisper.cpp refuses fails the load with its reason:
    /// <see cref="InvalidDataException"/> for a bad header, <see cref="WhisperModelLoadException"/> for the rest.
    /// </summary>
    public static WhisperEngine Load(RuntimeHostSpec spec)
    {
        var path = spec.ModelPath ?? throw new InvalidDataException("no model file");
        var header = WhisperModelFile.Read(path);
        // Only the CPU natives are shipped: do not probe for CUDA, Vulkan, CoreML or OpenVINO builds.
        RuntimeOptions.RuntimeLibraryOrder = [RuntimeLibrary.Cpu, RuntimeLibrary.CpuNoAvx];
        // whisper.cpp logs every step of a load; only its warnings and errors reach stderr, where the agent keeps the last lines.
        var log = LogProvider.AddLogger((level, message) =>
        {
            if (level is WhisperLogLevel.Warning or WhisperLogLevel.Error && message is not null)
            {
                Console.Error.Write(message);
            }
        });
        WhisperFactory? factory = null;
        try
        {
            factory = WhisperFactory.FromPath(path, new WhisperFactoryOptions { UseGpu = false });
            // The first builder loads the weights (WhisperModelLoadException when whisper.cpp refuses them).
            factory.CreateBuilder();
            return new WhisperEngine(factory, log, header, spec.Threads);
        }
        catch
        {
            factory?.Dispose();
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The segments of <paramref name="audio"/>, their times clamped to the audio's length (whisper decodes 30 s
    /// windows padded with silence, and a timestamp may fall in the padding).
    /// </summary>
    /// <param name="language">A whisper language code, or null to let the model detect it (English for an English-only model).</param>
    /// <param name="temperature">Null or 0: greedy, with whisper's fallback to higher temperatures when a window decodes badly; else that temperature only.</param>
    public async Task<Transcript> TranscribeAsync(DecodedAudio audio, string? language, string? prompt, double? temperature,
        CancellationToken cancellationToken)
    {
        var builder = _factory.CreateBuilder().WithLanguage(language ?? (Header.Multilingual ? "auto" : "en"));
        if (_threads is { } threads)
        {
            builder.WithThreads(threads);
        }

        if (prompt is not null)
        {
            builder.WithPrompt(prompt);
        }

        if (temperature is > 0)
        {
            builder.WithTemperature((float)temperature.Value).WithTemperatureInc(0);
        }

        var duration = audio.DurationSeconds;
        var segments = new List<TranscriptSegment>();
        string? detected = null;
        await using (var processor = builder.Build())
        {
            await foreach (var segment in processor.ProcessAsync(audio.Samples, cancellationToken))
            {
                detected ??= segment.Language;
                var tokens = segment.Tokens;
                segments.Add(new TranscriptSegment(
                    Math.Min(segment.Start.TotalSeconds, duration), Math.Min(segment.End.TotalSeconds, duration), segment.Text)
                {
                    Tokens = tokens.Select(t => t.Id).ToArray(),
                    AvgLogprob = tokens.Length > 0 ? tokens.Average(t => (double)t.ProbabilityLog) : null,
                    NoSpeechProb = segment.NoSpeechProbability,
                });
            }

            if (detected is null && language is null && Header.Multilingual)
            {
                // Nothing was decoded (silence): the language is still the model's to tell, not ours to guess.
                detected = await Task.Run(() => processor.DetectLanguage(audio.Samples), cancellationToken);
            }
        }

        var code = detected ?? language ?? "en";
        return new Transcript(WhisperLanguages.Name(code), duration, segments);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _log.Dispose();
    }
}
