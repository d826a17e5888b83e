namespace GenieHive.NodeAgent.Simulation;

/// <summary>What a transcription answers, whatever the <c>response_format</c> (<see cref="TranscriptionWire.Render"/>).</summary>
/// <param name="Language">The language's English name in lower case (<c>english</c>), as OpenAI's verbose_json names it.</param>
/// <param name="Duration">Seconds of audio.</param>
internal sealed record Transcript(string Language, double Duration, IReadOnlyList<TranscriptSegment> Segments)
{
    /// <summary>The segments' texts joined, without the leading and trailing blanks whisper puts around words.</summary>
    public string Text => string.Concat(Segments.Select(s => s.Text)).Trim();
}
