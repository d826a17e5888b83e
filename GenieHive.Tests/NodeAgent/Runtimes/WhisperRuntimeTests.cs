using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// Real whisper.cpp transcription (through Whisper.net, in its runtime host) of the generated model, whose planted
/// chain decodes each 30 s window to one segment, " tiny whisper", of one second; so the timings are known exactly.
/// </summary>
public sealed class WhisperRuntimeTests(WhisperAgent runtime) : IClassFixture<WhisperAgent>
{
    private const string Model = "tiny-whisper";

    private async Task<(HttpStatusCode Status, string? MediaType, string Body)> TranscribeAsync(byte[]? file, params (string, string)[] parts) =>
        await TranscribeAsync(Model, file, parts);

    private async Task<(HttpStatusCode Status, string? MediaType, string Body)> TranscribeAsync(string model, byte[]? file, params (string, string)[] parts)
    {
        using var client = runtime.Client(model);
        using var form = WhisperAgent.Form(file, parts);
        using var response = await client.PostAsync("/v1/audio/transcriptions", form);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonElement> VerboseAsync(byte[] file, params (string, string)[] parts)
    {
        var (status, _, body) = await TranscribeAsync(file, [("model", Model), ("response_format", "verbose_json"), .. parts]);
        Assert.True(status == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static (double Start, double End, string Text)[] Segments(JsonElement verbose) => verbose.GetProperty("segments").EnumerateArray()
        .Select(s => (s.GetProperty("start").GetDouble(), s.GetProperty("end").GetDouble(), s.GetProperty("text").GetString()!)).ToArray();

    private static JsonElement Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error");

    [Fact]
    public async Task Json_and_text_answer_the_decoded_text_of_every_window()
    {
        var clip = WavFile.Tone(3.0);

        var json = await TranscribeAsync(clip, ("model", Model));
        var text = await TranscribeAsync(clip, ("model", Model), ("response_format", "text"));

        Assert.Equal((HttpStatusCode.OK, "application/json"), (json.Status, json.MediaType));
        Assert.Equal("""{"text":"tiny whisper tiny whisper tiny whisper"}""", json.Body);
        Assert.Equal((HttpStatusCode.OK, "text/plain", "tiny whisper tiny whisper tiny whisper"), text);
    }

    [Fact]
    public async Task Verbose_json_gives_language_duration_and_one_timed_segment_per_second()
    {
        var verbose = await VerboseAsync(WavFile.Tone(3.0), ("language", "en"));

        Assert.Equal("transcribe", verbose.GetProperty("task").GetString());
        Assert.Equal("english", verbose.GetProperty("language").GetString());
        Assert.Equal(3.0, verbose.GetProperty("duration").GetDouble());
        Assert.Equal("tiny whisper tiny whisper tiny whisper", verbose.GetProperty("text").GetString());
        Assert.Equal([(0.0, 1.0, TinyWhisperModel.SegmentText), (1.0, 2.0, TinyWhisperModel.SegmentText), (2.0, 3.0, TinyWhisperModel.SegmentText)],
            Segments(verbose));
        var segments = verbose.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], segments.Select(s => s.GetProperty("id").GetInt32()));
        Assert.All(segments, s =>
        {
            // The initial timestamp, " tiny", " whisper" and the closing timestamp: the model is sure of each.
            Assert.Equal(4, s.GetProperty("tokens").GetArrayLength());
            Assert.InRange(s.GetProperty("avg_logprob").GetDouble(), -0.1, 0);
            Assert.InRange(s.GetProperty("no_speech_prob").GetDouble(), 0, 0.01);
        });
    }

    [Fact]
    public async Task Two_transcriptions_decode_at_once_each_on_its_own_state()
    {
        // parallel: 2 — both run together on the shared weights, each with its own whisper.cpp state and options.
        var english = VerboseAsync(WavFile.Tone(3.0), ("language", "en"));
        var detected = VerboseAsync(WavFile.Tone(2.0, 48_000));
        var (a, b) = (await english, await detected);

        Assert.Equal(("english", 3), (a.GetProperty("language").GetString(), Segments(a).Length));
        Assert.Equal((TinyWhisperModel.DetectedLanguage, 2), (b.GetProperty("language").GetString(), Segments(b).Length));
    }

    [Fact]
    public async Task Srt_and_vtt_number_and_time_the_same_segments()
    {
        var clip = WavFile.Tone(2.0);

        var srt = await TranscribeAsync(clip, ("model", Model), ("response_format", "srt"));
        var vtt = await TranscribeAsync(clip, ("model", Model), ("response_format", "vtt"));

        Assert.Equal((HttpStatusCode.OK, "text/plain"), (srt.Status, srt.MediaType));
        Assert.Equal("1\n00:00:00,000 --> 00:00:01,000\ntiny whisper\n\n2\n00:00:01,000 --> 00:00:02,000\ntiny whisper\n\n", srt.Body);
        Assert.Equal("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\ntiny whisper\n\n00:00:01.000 --> 00:00:02.000\ntiny whisper\n\n", vtt.Body);
    }

    [Fact]
    public async Task A_segment_that_runs_past_the_audio_ends_where_the_audio_ends()
    {
        var clip = WavFile.Tone(2.5);

        var verbose = await VerboseAsync(clip);
        var srt = await TranscribeAsync(clip, ("model", Model), ("response_format", "srt"));

        // The third window starts at 2.0 s, and the model closes its segment one second later, in whisper's padding.
        Assert.Equal(2.5, verbose.GetProperty("duration").GetDouble());
        Assert.Equal([(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)], Segments(verbose).Select(s => (s.Start, s.End)));
        Assert.EndsWith("3\n00:00:02,000 --> 00:00:02,500\ntiny whisper\n\n", srt.Body, StringComparison.Ordinal);
    }

    public static TheoryData<int, int, int, bool, bool> Layouts() => new()
    {
        { 8_000, 1, 8, false, false },
        { 44_100, 2, 24, false, false },
        { 48_000, 3, 32, true, false },
        { 22_050, 2, 32, false, true },
        { 16_000, 2, 64, true, true },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task Any_rate_channel_count_and_sample_layout_is_transcribed_like_16_khz_mono(int rate, int channels, int bits, bool isFloat, bool extensible)
    {
        var verbose = await VerboseAsync(WavFile.Tone(2.0, rate, channels, bits, isFloat, extensible: extensible));

        Assert.Equal(2.0, verbose.GetProperty("duration").GetDouble());
        Assert.Equal([(0.0, 1.0, TinyWhisperModel.SegmentText), (1.0, 2.0, TinyWhisperModel.SegmentText)], Segments(verbose));
    }

    [Fact]
    public async Task Without_a_language_the_model_detects_it_and_a_named_language_is_honoured()
    {
        var clip = WavFile.Tone(1.0);

        var detected = await VerboseAsync(clip);
        var german = await VerboseAsync(clip, ("language", "de"));
        var byName = await VerboseAsync(clip, ("language", "English"));

        // The planted detection answers German; a named language skips detection.
        Assert.Equal(TinyWhisperModel.DetectedLanguage, detected.GetProperty("language").GetString());
        Assert.Equal("german", german.GetProperty("language").GetString());
        Assert.Equal("english", byName.GetProperty("language").GetString());
    }

    [Fact]
    public async Task Prompt_and_a_fixed_temperature_are_taken()
    {
        var verbose = await VerboseAsync(WavFile.Tone(2.0), ("prompt", "tiny whisper and more"), ("temperature", "0.4"), ("language", "en"));

        // The planted chain is sure of every token, so sampling at 0.4 decodes the same segments.
        Assert.Equal([(0.0, 1.0, TinyWhisperModel.SegmentText), (1.0, 2.0, TinyWhisperModel.SegmentText)], Segments(verbose));
    }

    [Fact]
    public async Task An_english_only_model_transcribes_english_and_refuses_another_language()
    {
        var clip = WavFile.Tone(1.0);

        var (status, _, body) = await TranscribeAsync("tiny-whisper.en", clip, ("model", "tiny-whisper.en"), ("response_format", "verbose_json"));
        var refused = await TranscribeAsync("tiny-whisper.en", clip, ("model", "tiny-whisper.en"), ("language", "de"));

        Assert.True(status == HttpStatusCode.OK, body);
        var verbose = JsonDocument.Parse(body).RootElement;
        Assert.Equal("english", verbose.GetProperty("language").GetString());
        Assert.Equal([(0.0, 1.0, TinyWhisperModel.SegmentText)], Segments(verbose));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("language", Error(refused.Body).GetProperty("param").GetString());
    }

    public static TheoryData<string, byte[]?, string[], int, string, string?, string> BadRequests()
    {
        var wav = WavFile.Tone(1.0);
        var cut = wav[..(wav.Length / 2)];
        var adpcm = (byte[])wav.Clone();
        adpcm[20] = 2;
        return new()
        {
            { "mp3", [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0, 0xFF, 0xFB], ["model", Model], 400, "invalid_request", "file", "MP3" },
            { "ogg", [.. "OggS"u8, 0, 2, 0, 0], ["model", Model], 400, "invalid_request", "file", "not WAV" },
            { "cut wav", cut, ["model", Model], 400, "invalid_request", "file", "cut short" },
            { "adpcm wav", adpcm, ["model", Model], 400, "invalid_request", "file", "MS ADPCM" },
            { "too short", WavFile.Tone(0.05), ["model", Model], 400, "invalid_request", "file", "at least 0.1 s" },
            { "no file", null, ["model", Model], 400, "invalid_request", "file", "'file'" },
            { "no model", wav, [], 400, "invalid_request", "model", "'model'" },
            { "other model", wav, ["model", "tiny-llama"], 404, "model_not_found", "model", "tiny-llama" },
            { "format", wav, ["model", Model, "response_format", "mp3"], 400, "invalid_request", "response_format", "verbose_json" },
            { "temperature", wav, ["model", Model, "temperature", "hot"], 400, "invalid_request", "temperature", "0 to 1" },
            { "temperature range", wav, ["model", Model, "temperature", "1.5"], 400, "invalid_request", "temperature", "0 to 1" },
            { "language", wav, ["model", Model, "language", "klingon"], 400, "invalid_request", "language", "klingon" },
            { "prompt", wav, ["model", Model, "prompt", new string('a', 4097)], 400, "invalid_request", "prompt", "at most 4096" },
            // 3,601 s at 1 kHz, 8-bit: refused before a sample is decoded.
            { "too long", WavFile.Write(3_601_000, 1000, 1, 8, false, false, (_, _) => 0), ["model", Model], 400, "invalid_request", "file", "at most 3600 s" },
        };
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_answered_in_the_error_envelope_naming_the_part(string name, byte[]? file, string[] parts, int status,
        string code, string? param, string message)
    {
        var pairs = parts.Chunk(2).Select(p => (p[0], p[1])).ToArray();

        var response = await TranscribeAsync(file, pairs);

        Assert.True((int)response.Status == status, $"{name}: {response.Status} {response.Body}");
        Assert.Equal("application/json", response.MediaType);
        var error = Error(response.Body);
        Assert.Equal((code, param, "invalid_request_error"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString(),
            error.GetProperty("type").GetString()));
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_finite_float_samples_are_silence_and_the_verbose_answer_stays_json()
    {
        var clip = WavFile.Write(16_000, 16_000, 2, 32, true, false, (frame, channel) => channel == 0 ? double.NaN : double.PositiveInfinity);

        var (status, _, body) = await TranscribeAsync(clip, ("model", Model), ("response_format", "verbose_json"));

        Assert.True(status == HttpStatusCode.OK, body);
        var verbose = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1.0, verbose.GetProperty("duration").GetDouble(), 3);
        Assert.All(verbose.GetProperty("segments").EnumerateArray(), s => Assert.True(double.IsFinite(s.GetProperty("start").GetDouble())));
    }

    [Fact]
    public async Task A_multipart_body_cut_before_its_closing_boundary_and_an_overlong_boundary_are_400_not_413()
    {
        using var client = runtime.Client(Model);
        using var cut = new ByteArrayContent(Encoding.ASCII.GetBytes($"--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{Model}"));
        cut.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var boundary = new string('x', 200); // over FormOptions.MultipartBoundaryLengthLimit (128)
        using var overlong = new ByteArrayContent(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n{Model}\r\n--{boundary}--\r\n"));
        overlong.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");

        using var first = await client.PostAsync("/v1/audio/transcriptions", cut);
        using var second = await client.PostAsync("/v1/audio/transcriptions", overlong);

        // Either way a 400 in the envelope (the cut body reads as a form without its file part), never a 413 or a reset.
        foreach (var response in new[] { first, second })
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Equal("invalid_request", Error(text).GetProperty("code").GetString());
        }

        Assert.Contains("malformed", Error(await second.Content.ReadAsStringAsync()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_instead_of_multipart_is_415_and_a_get_is_405()
    {
        using var client = runtime.Client(Model);

        using var json = await client.PostAsync("/v1/audio/transcriptions", RuntimeAgent.Json($$"""{"model":"{{Model}}"}"""));
        using var get = await client.GetAsync("/v1/audio/transcriptions");
        using var chat = await client.PostAsync("/v1/chat/completions", RuntimeAgent.Json($$"""{"model":"{{Model}}","messages":[]}"""));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("unsupported_media_type", Error(await json.Content.ReadAsStringAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", get.Content.Headers.Allow.Single());
        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
    }

    [Fact]
    public async Task The_service_is_a_transcription_service_of_engine_whisper_cpp_with_the_file_name_as_its_id()
    {
        var report = runtime.Service(Model).Report();
        var english = runtime.Service("tiny-whisper.en").Report();

        Assert.Equal(("stt-host/transcription/tiny-whisper", "transcription"), (report.ServiceId, report.Kind));
        Assert.Equal("stt-host/transcription/tiny-whisper.en", english.ServiceId);
        Assert.Equal(("whisper.cpp", "whisper", "F16", 448), (report.Runtime["engine"]!.GetValue<string>(), report.Runtime["family"]!.GetValue<string>(),
            report.Runtime["quantization"]!.GetValue<string>(), report.Runtime["context_size"]!.GetValue<int>()));
        Assert.True(report.Assets[0].Loaded);
        Assert.Null(runtime.Agent.Services.GetRequiredService<GenieHive.NodeAgent.Runtimes.RuntimeServices>().Find("notes"));
        // The estimate counts the file and one request's whisper state per parallel slot.
        Assert.True(report.Runtime["memory_estimate_bytes"]!.GetValue<long>() > new FileInfo(runtime.Models.Multilingual).Length + (2 * 100_000_000L));
    }
}
