namespace GenieHive.NodeAgent.Protocol;

/// <summary>A GPU in <c>resources.gpus</c> (routing.md "Host discovery"): <c>gpu_id</c> is <c>cuda:&lt;index&gt;</c>.</summary>
internal sealed record GpuInfo(string GpuId, string Name, double? VramGb, long? VramTotalBytes, long? VramUsedBytes);
