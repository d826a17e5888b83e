namespace GenieHive.NodeAgent.Simulation;

internal static partial class SimulationLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Simulated server {Id} failed a request")]
    public static partial void SimulatedRequestFailed(ILogger logger, string id, Exception exception);
}
