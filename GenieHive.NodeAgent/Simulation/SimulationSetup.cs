namespace GenieHive.NodeAgent.Simulation;

internal static class SimulationSetup
{
    /// <summary>The simulated servers of <c>simulated:</c> (N1), started before the agent registers.</summary>
    public static IHostApplicationBuilder AddSimulatedServers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SimulatedServers>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SimulatedServers>());
        return builder;
    }
}
