namespace GenieHive.Benchmarks.ModelBench;

/// <summary>A synthetic 16 kHz mono 16-bit PCM WAV clip (a 440 Hz tone), the transcription workload's input.</summary>
internal static class WavClip
{
    public static byte[] Tone(double seconds, int sampleRate = 16000, double frequency = 440)
    {
        var samples = (int)(seconds * sampleRate);
        var data = samples * 2;
        var wav = new byte[44 + data];
        var span = wav.AsSpan();
        "RIFF"u8.CopyTo(span);
        BitConverter.TryWriteBytes(span[4..], 36 + data);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BitConverter.TryWriteBytes(span[16..], 16);
        BitConverter.TryWriteBytes(span[20..], (short)1);
        BitConverter.TryWriteBytes(span[22..], (short)1);
        BitConverter.TryWriteBytes(span[24..], sampleRate);
        BitConverter.TryWriteBytes(span[28..], sampleRate * 2);
        BitConverter.TryWriteBytes(span[32..], (short)2);
        BitConverter.TryWriteBytes(span[34..], (short)16);
        "data"u8.CopyTo(span[36..]);
        BitConverter.TryWriteBytes(span[40..], data);
        for (var i = 0; i < samples; i++)
        {
            var value = (short)(Math.Sin(2 * Math.PI * frequency * i / sampleRate) * short.MaxValue * 0.3);
            BitConverter.TryWriteBytes(span[(44 + (i * 2))..], value);
        }

        return wav;
    }
}
