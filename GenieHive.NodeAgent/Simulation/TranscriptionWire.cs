using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// <c>/v1/audio/transcriptions</c> as the agent's own servers speak it, for the simulated servers and the whisper
/// runtime alike: reading the multipart form, and writing the answer in each of OpenAI's five response formats.
/// </summary>
internal static class TranscriptionWire
{
    public const string TextContentType = "text/plain; charset=utf-8";

    /// <summary>The longest <c>prompt</c> taken (characters).</summary>
    public const int MaxPromptChars = 4096;

    public static readonly string[] ResponseFormats = ["json", "text", "verbose_json", "srt", "vtt"];

    /// <summary>
    /// Reads and checks the form. The errors, in order: not multipart (415), over <paramref name="maxBodyBytes"/> (413),
    /// malformed (400), then a missing <c>file</c>, a missing <c>model</c>, an unknown <c>response_format</c> and a
    /// bad <c>temperature</c> (400 naming the part). The model id itself is the caller's to check.
    /// </summary>
    public static async Task<(TranscriptionRequest? Request, ApiError? Error)> ReadAsync(HttpContext context, long maxBodyBytes,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!request.HasFormContentType || !request.ContentType!.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ApiError.UnsupportedMediaType("Transcription takes multipart/form-data."));
        }

        if (request.ContentLength > maxBodyBytes)
        {
            return (null, ApiError.PayloadTooLarge(maxBodyBytes));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBodyBytes;
        }

        context.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = maxBodyBytes }));
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == 413)
        {
            return (null, ApiError.PayloadTooLarge(maxBodyBytes));
        }
        catch (InvalidDataException ex)
        {
            // Form parsing reports a multipart body over its length limit this way too ("Multipart body length
            // limit N exceeded"); its other limits (boundary length, headers or parts per body) are malformed input.
            return (null, ex.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase)
                ? ApiError.PayloadTooLarge(maxBodyBytes)
                : ApiError.InvalidRequest("The multipart body is malformed: " + ex.Message));
        }
        catch (IOException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            // A body that ends before its closing boundary.
            return (null, ApiError.InvalidRequest("The multipart body is malformed: " + ex.Message));
        }

        var file = form.Files.GetFile("file");
        if (file is null)
        {
            return (null, ApiError.InvalidRequest("Missing 'file' part.", "file"));
        }

        var model = form["model"].ToString();
        if (model.Length == 0)
        {
            return (null, ApiError.InvalidRequest("Missing 'model' part.", "model"));
        }

        var format = form["response_format"].ToString();
        if (format.Length == 0)
        {
            format = "json";
        }

        if (!ResponseFormats.Contains(format))
        {
            return (null, ApiError.InvalidRequest($"'response_format' must be one of {string.Join(", ", ResponseFormats)}.", "response_format"));
        }

        double? temperature = null;
        var temperatureText = form["temperature"].ToString();
        if (temperatureText.Length > 0)
        {
            if (!double.TryParse(temperatureText, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) || !(t is >= 0 and <= 1))
            {
                return (null, ApiError.InvalidRequest("'temperature' must be a number from 0 to 1.", "temperature"));
            }

            temperature = t;
        }

        var language = form["language"].ToString();
        var prompt = form["prompt"].ToString();
        if (prompt.Length > MaxPromptChars)
        {
            // whisper keeps only the last 224 tokens of it, and tokenises it with a cost that grows faster than its length.
            return (null, ApiError.InvalidRequest($"'prompt' is {prompt.Length} characters; at most {MaxPromptChars} are taken.", "prompt"));
        }

        return (new TranscriptionRequest(model, file, format, language.Length > 0 ? language : null, prompt.Length > 0 ? prompt : null, temperature), null);
    }

    /// <summary>
    /// The body of <paramref name="format"/> and whether it is JSON (<c>json</c>, <c>verbose_json</c>) or text
    /// (<c>text</c>, <c>srt</c>, <c>vtt</c>).
    /// </summary>
    public static (byte[] Body, bool IsJson) Render(string format, Transcript transcript) => format switch
    {
        "json" => (Json(transcript, verbose: false), true),
        "verbose_json" => (Json(transcript, verbose: true), true),
        "srt" => (Encoding.UTF8.GetBytes(Cues(transcript, srt: true)), false),
        "vtt" => (Encoding.UTF8.GetBytes(Cues(transcript, srt: false)), false),
        _ => (Encoding.UTF8.GetBytes(transcript.Text), false),
    };

    /// <summary><c>HH:MM:SS,mmm</c> (SubRip) or <c>HH:MM:SS.mmm</c> (WebVTT), rounded to the millisecond.</summary>
    public static string Timestamp(double seconds, bool srt)
    {
        var ms = (long)Math.Round(Math.Max(0, seconds) * 1000, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}{(srt ? ',' : '.')}{ms % 1000:000}");
    }

    private static byte[] Json(Transcript transcript, bool verbose)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (transcript.Segments.Count * 128));
        using (var writer = new Utf8JsonWriter(buffer, SimulatedJson.WriterOptions))
        {
            writer.WriteStartObject();
            if (verbose)
            {
                writer.WriteString("task", "transcribe");
                writer.WriteString("language", transcript.Language);
                writer.WriteNumber("duration", Math.Round(transcript.Duration, 3));
            }

            writer.WriteString("text", transcript.Text);
            if (verbose)
            {
                writer.WriteStartArray("segments");
                for (var i = 0; i < transcript.Segments.Count; i++)
                {
                    WriteSegment(writer, i, transcript.Segments[i]);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSegment(Utf8JsonWriter writer, int id, TranscriptSegment segment)
    {
        writer.WriteStartObject();
        writer.WriteNumber("id", id);
        writer.WriteNumber("start", Math.Round(segment.Start, 3));
        writer.WriteNumber("end", Math.Round(segment.End, 3));
        writer.WriteString("text", segment.Text);
        writer.WriteStartArray("tokens");
        foreach (var token in segment.Tokens)
        {
            writer.WriteNumberValue(token);
        }

        writer.WriteEndArray();
        // JSON has no NaN or infinity: a value whisper could not compute is left out.
        if (segment.AvgLogprob is { } logprob && double.IsFinite(logprob))
        {
            writer.WriteNumber("avg_logprob", logprob);
        }

        if (segment.NoSpeechProb is { } noSpeech && double.IsFinite(noSpeech))
        {
            writer.WriteNumber("no_speech_prob", noSpeech);
        }

        writer.WriteEndObject();
    }

    /// <summary>One cue per segment, its text trimmed; SubRip numbers the cues, WebVTT starts with its header.</summary>
    private static string Cues(Transcript transcript, bool srt)
    {
        var text = new StringBuilder(srt ? "" : "WEBVTT\n\n");
        for (var i = 0; i < transcript.Segments.Count; i++)
        {
            var segment = transcript.Segments[i];
            if (srt)
            {
                text.Append(CultureInfo.InvariantCulture, $"{i + 1}\n");
            }

            text.Append(Timestamp(segment.Start, srt)).Append(" --> ").Append(Timestamp(segment.End, srt)).Append('\n')
                .Append(segment.Text.Trim()).Append("\n\n");
        }

        return text.ToString();
    }
}
