using System.Buffers.Binary;
using GenieHive.NodeAgent.Runtimes.Host;
using GenieHive.Tests.Support;

namespace GenieHive.Tests.NodeAgent.Runtimes;

/// <summary>The whisper runtime's WAV input: every PCM and float layout, downmixing, and resampling to 16 kHz.</summary>
public sealed class WavAudioTests
{
    private static DecodedAudio Decode(byte[] file)
    {
        var problem = WavAudio.TryDecode(file, out var audio);
        Assert.Null(problem);
        return audio;
    }

    private static double Rms(ReadOnlySpan<float> samples)
    {
        var sum = 0.0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    /// <summary>Upward zero crossings per second, away from the edges: the tone's frequency.</summary>
    private static double Frequency(float[] samples, int rate)
    {
        var crossings = 0;
        var from = rate / 10;
        var to = samples.Length - (rate / 10);
        for (var i = from; i < to; i++)
        {
            if (samples[i - 1] < 0 && samples[i] >= 0)
            {
                crossings++;
            }
        }

        return crossings * (double)rate / (to - from);
    }

    [Fact]
    public void Sixteen_bit_mono_at_16_khz_is_taken_sample_for_sample()
    {
        var file = WavFile.Write(4, 16_000, 1, 16, isFloat: false, extensible: false, (frame, _) => (frame - 2) / 4.0);

        var audio = Decode(file);

        Assert.Equal([-0.5f, -0.25f, 0f, 0.25f], audio.Samples);
        Assert.Equal((4 / 16_000.0, 16_000, 1, 16, false), (audio.DurationSeconds, audio.SourceRate, audio.SourceChannels, audio.SourceBits, audio.SourceFloat));
    }

    [Theory]
    [InlineData(8, false, false, 1.0 / 128)]
    [InlineData(16, false, false, 1.0 / 32768)]
    [InlineData(24, false, false, 1.0 / 8388608)]
    [InlineData(32, false, false, 1e-7)]
    [InlineData(32, true, false, 1e-7)]
    [InlineData(64, true, false, 1e-7)]
    [InlineData(24, false, true, 1.0 / 8388608)]
    [InlineData(32, true, true, 1e-7)]
    public void Every_sample_layout_decodes_to_the_same_values(int bits, bool isFloat, bool extensible, double step)
    {
        double Value(int frame, int channel) => Math.Sin(frame * 0.37) * 0.9;
        var file = WavFile.Write(200, 16_000, 1, bits, isFloat, extensible, Value);

        var audio = Decode(file);

        Assert.Equal(200, audio.Samples.Length);
        for (var i = 0; i < 200; i++)
        {
            Assert.True(Math.Abs(audio.Samples[i] - Value(i, 0)) <= step, $"sample {i}: {audio.Samples[i]} vs {Value(i, 0)}");
        }

        Assert.Equal((bits, isFloat), (audio.SourceBits, audio.SourceFloat));
    }

    [Fact]
    public void Channels_are_averaged_to_mono()
    {
        var file = WavFile.Write(3, 16_000, 3, 16, isFloat: false, extensible: false, (_, channel) => channel switch { 0 => 0.5, 1 => -0.25, _ => 0.125 });

        var audio = Decode(file);

        Assert.All(audio.Samples, s => Assert.Equal(0.125f, s, 0.0001f));
        Assert.Equal(3, audio.SourceChannels);
    }

    [Theory]
    [InlineData(44_100)]
    [InlineData(48_000)]
    [InlineData(22_050)]
    [InlineData(8_000)]
    public void Other_rates_are_resampled_to_16_khz_keeping_length_pitch_and_level(int rate)
    {
        var file = WavFile.Tone(2.0, rate, channels: 2, frequency: 1000, amplitude: 0.5);

        var audio = Decode(file);

        Assert.Equal(32_000, audio.Samples.Length);
        Assert.Equal(2.0, audio.DurationSeconds, 6);
        Assert.InRange(Frequency(audio.Samples, 16_000), 995, 1005);
        Assert.Equal(0.5 / Math.Sqrt(2), Rms(audio.Samples.AsSpan(1600, 28_800)), 2);
    }

    [Fact]
    public void Downsampling_filters_out_what_16_khz_cannot_carry_instead_of_folding_it_back()
    {
        // 12 kHz is above the 8 kHz Nyquist of the output: linear interpolation would fold it to a loud 4 kHz tone.
        var file = WavFile.Tone(1.0, 48_000, frequency: 12_000, amplitude: 0.5);

        var audio = Decode(file);

        Assert.True(Rms(audio.Samples.AsSpan(800, 14_400)) < 0.005, $"rms {Rms(audio.Samples.AsSpan(800, 14_400))}");
    }

    [Fact]
    public void A_data_chunk_of_unknown_length_runs_to_the_end_of_the_file()
    {
        var file = WavFile.Tone(0.5);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(40), uint.MaxValue);

        Assert.Equal(8000, Decode(file).Samples.Length);
    }

    [Fact]
    public void An_empty_data_chunk_stays_empty_unless_the_riff_size_is_unknown_too()
    {
        // fmt, an empty data chunk, then a LIST chunk of metadata that must not be read as audio.
        var header = WavFile.Tone(0.0)[..44];
        byte[] list = [.. "LIST"u8, 8, 0, 0, 0, .. "INFOabcd"u8];
        var file = header.Concat(list).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8));
        var streamed = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(streamed.AsSpan(4), 0);

        Assert.Empty(Decode(file).Samples);
        Assert.Equal(8, Decode(streamed).Samples.Length);
    }

    [Fact]
    public void Non_finite_and_over_full_scale_float_samples_become_silence_and_full_scale()
    {
        float[] values = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3f, -0.25f];
        var file = WavFile.Write(values.Length, 16_000, 1, 32, true, false, (_, _) => 0);
        for (var i = 0; i < values.Length; i++)
        {
            // Written raw: WavFile clamps what it is given.
            BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(44 + (4 * i)), values[i]);
        }

        Assert.Equal([0f, 1f, -1f, 1f, -0.25f], Decode(file).Samples);
    }

    public static TheoryData<string, byte[], string> NotDecoded()
    {
        var wav = WavFile.Tone(0.5);
        var adpcm = (byte[])wav.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(adpcm.AsSpan(20), 2);
        var twelveBit = (byte[])wav.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(twelveBit.AsSpan(34), 12);
        var noChannels = (byte[])wav.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(noChannels.AsSpan(22), 0);
        var longData = (byte[])wav.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(longData.AsSpan(40), 1_000_000);
        var noData = wav[..36];
        var avi = (byte[])wav.Clone();
        "AVI "u8.CopyTo(avi.AsSpan(8));
        return new()
        {
            { "mp3", [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0], "The file is MP3 (or AAC) audio, not WAV" },
            { "mp3 frame", [0xFF, 0xFB, 0x90, 0x00], "MP3" },
            { "flac", [.. "fLaC"u8, 0, 0, 0, 34], "The file is FLAC audio, not WAV" },
            { "ogg", [.. "OggS"u8, 0, 2], "Ogg (Vorbis or Opus)" },
            { "m4a", [0, 0, 0, 32, .. "ftypM4A "u8], "MP4 / M4A" },
            { "webm", [0x1A, 0x45, 0xDF, 0xA3, 0x9F], "WebM" },
            { "text", "hello, this is not audio"u8.ToArray(), "The file is not WAV." },
            { "empty", [], "The file is empty." },
            { "riff avi", avi, "a RIFF file that is not WAVE" },
            { "adpcm", adpcm, "MS ADPCM audio (format tag 0x0002)" },
            { "12-bit", twelveBit, "12-bit integer samples" },
            { "no channels", noChannels, "0 channels" },
            { "cut short", longData, "cut short: its data chunk declares 1000000 bytes" },
            { "no data", noData, "no 'data' chunk" },
        };
    }

    [Theory]
    [MemberData(nameof(NotDecoded))]
    public void What_is_not_pcm_or_float_wav_is_refused_saying_what_it_is(string name, byte[] file, string message)
    {
        var problem = WavAudio.TryDecode(file, out _);

        Assert.NotNull(problem);
        Assert.True(problem.Contains(message, StringComparison.Ordinal), $"{name}: {problem}");
    }
}
