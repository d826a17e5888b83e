namespace GenieHive.NodeAgent.Simulation;

/// <summary>One timed piece of a <see cref="Transcript"/>: seconds from the start of the audio, and its text as decoded.</summary>
internal sealed record TranscriptSegment(double Start, double End, string Text)
{
    /// <summary>The model's token ids for the segment (timestamp tokens included); empty when not known.</summary>
    public IReadOnlyList<int> Tokens { get; init; } = [];

    /// <summary>The mean log probability of the segment's tokens; null when not known.</summary>
    public double? AvgLogprob { get; init; }

    /// <summary>The probability the model gave to there being no speech in the segment's window; null when not known.</summary>
    public double? NoSpeechProb { get; init; }
}
