namespace GenieHive.NodeAgent.Protocol;

/// <summary>The D1 envelope as the agent reads it from the control plane.</summary>
internal sealed record ErrorEnvelope(ErrorBody? Error);

internal sealed record ErrorBody(string? Message, string? Type, string? Code, string? Param);
