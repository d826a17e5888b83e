namespace GenieHive.NodeAgent.Simulation;

/// <summary>
/// The parts of a <c>/v1/audio/transcriptions</c> upload that the agent's servers read (api.md §2.4), checked by
/// <see cref="TranscriptionWire.ReadAsync"/>: <c>model</c> and <c>file</c> present, <c>response_format</c> one of
/// <see cref="TranscriptionWire.ResponseFormats"/>, <c>temperature</c> a number from 0 to 1.
/// </summary>
/// <param name="Language">The <c>language</c> part as sent (null when absent or empty).</param>
/// <param name="Temperature">Null when absent.</param>
internal sealed record TranscriptionRequest(string Model, IFormFile File, string ResponseFormat, string? Language, string? Prompt, double? Temperature);
