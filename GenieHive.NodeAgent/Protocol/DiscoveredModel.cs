namespace GenieHive.NodeAgent.Protocol;

/// <summary>A GGUF file under <c>inventory.model_roots</c>.</summary>
internal sealed record DiscoveredModel(string Path, string Name, long SizeBytes);
