namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>An upload decoded for whisper: mono samples at 16 kHz in [-1, 1], and what the file was.</summary>
/// <param name="DurationSeconds">The file's length (its frames at its own rate).</param>
internal sealed record DecodedAudio(float[] Samples, double DurationSeconds, int SourceRate, int SourceChannels, int SourceBits, bool SourceFloat);
