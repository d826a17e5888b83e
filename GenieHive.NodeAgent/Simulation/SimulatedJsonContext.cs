using System.Text.Json.Serialization;

namespace GenieHive.NodeAgent.Simulation;

[JsonSerializable(typeof(string))]
internal sealed partial class SimulatedJsonContext : JsonSerializerContext;
