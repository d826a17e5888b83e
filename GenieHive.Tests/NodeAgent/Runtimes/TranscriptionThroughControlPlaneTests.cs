using System.ClientModel;
using System.Diagnostics;
using System.Net;
using GenieHive.Tests.Support;
using OpenAI;
using OpenAI.Audio;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>
/// A real control plane and a node agent serving the generated whisper model: a transcription routed by model id to
/// the agent's whisper runtime, read by a plain client and by the official OpenAI library.
/// </summary>
public sealed class TranscriptionThroughControlPlaneTests(WhisperModels models) : IClassFixture<WhisperModels>
{
    private const string Service = "w-host/transcription/tiny-whisper";

    private async Task<(ControlPlaneHost Control, NodeAgentHost Agent)> StartAsync()
    {
        var control = await ControlPlaneHost.StartAsync();
        var agent = await NodeAgentHost.StartAsync($$"""
            node: { host_id: "w-host", listen_port: 0 }
            control_plane: { base_url: "{{control.Kestrel.BaseAddress.ToString().TrimEnd('/')}}", node_api_key: "{{ControlPlaneHost.NodeKey}}", heartbeat_interval_s: 0.1 }
            runtimes:
              - { id: "whisper", engine: "whisper", paths: ["{{models.Multilingual}}"], threads: 1, preload: true }
            """);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var loaded = (await control.GetJsonAsync("/v1/cluster/services")).GetProperty("data").EnumerateArray()
                .Any(s => s.GetProperty("service_id").GetString() == Service
                          && s.GetProperty("assets").EnumerateArray().Any(a => a.GetProperty("loaded").GetBoolean()));
            if (loaded)
            {
                return (control, agent);
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the agent did not register its loaded whisper model");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_transcription_is_routed_by_model_id_to_the_whisper_runtime_and_answers_in_each_format()
    {
        var (control, agent) = await StartAsync();
        await using var _ = control;
        await using var __ = agent;
        using var client = control.Client();

        using var srtForm = WhisperAgent.Form(WavFile.Tone(2.0, 44_100, channels: 2), ("model", "tiny-whisper"), ("response_format", "srt"));
        using var srt = await client.PostAsync("/v1/audio/transcriptions", srtForm);
        using var badForm = WhisperAgent.Form("fLaC\0\0\0\u0022"u8.ToArray(), ("model", "tiny-whisper"));
        using var bad = await client.PostAsync("/v1/audio/transcriptions", badForm);

        Assert.Equal(HttpStatusCode.OK, srt.StatusCode);
        Assert.Equal(Service, srt.Headers.GetValues("X-GenieHive-Service-Id").Single());
        Assert.Equal("text/plain", srt.Content.Headers.ContentType!.MediaType);
        Assert.Equal("1\n00:00:00,000 --> 00:00:01,000\ntiny whisper\n\n2\n00:00:01,000 --> 00:00:02,000\ntiny whisper\n\n",
            await srt.Content.ReadAsStringAsync());
        // The runtime's 400 reaches the client as the upstream's own error (D20), naming the file.
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = (await ControlPlaneHost.ReadJsonAsync(bad)).GetProperty("error");
        Assert.Equal("file", error.GetProperty("param").GetString());
        Assert.Contains("FLAC", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_official_sdk_reads_the_verbose_transcription_with_its_segments()
    {
        var (control, agent) = await StartAsync();
        await using var _ = control;
        await using var __ = agent;
        var client = new OpenAIClient(new ApiKeyCredential(ControlPlaneHost.ClientKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(control.Kestrel.BaseAddress, "/v1"),
        });

        using var audio = new MemoryStream(WavFile.Tone(3.0));
        var result = await client.GetAudioClient("tiny-whisper").TranscribeAudioAsync(audio, "clip.wav", new AudioTranscriptionOptions
        {
            ResponseFormat = AudioTranscriptionFormat.Verbose,
            TimestampGranularities = AudioTimestampGranularities.Segment,
            Language = "en",
        });

        var transcription = result.Value;
        Assert.Equal("tiny whisper tiny whisper tiny whisper", transcription.Text);
        Assert.Equal("english", transcription.Language);
        Assert.Equal(TimeSpan.FromSeconds(3), transcription.Duration);
        Assert.Equal(
            [(TimeSpan.Zero, TimeSpan.FromSeconds(1)), (TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3))],
            transcription.Segments.Select(s => (s.StartTime, s.EndTime)));
        Assert.All(transcription.Segments, s => Assert.Equal(TinyWhisperModel.SegmentText, s.Text));
    }
}
