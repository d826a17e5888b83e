namespace GenieHive.NodeAgent.Heartbeat;

/// <summary>One call to the control plane: its status and error code, or why no answer came.</summary>
internal readonly record struct ControlPlaneAnswer(int? Status, string? Code, string? Message, string? Failure)
{
    public bool Ok => Status is >= 200 and < 300;

    public string Describe() => Failure ?? $"{Status} {Code}: {Message}";
}
