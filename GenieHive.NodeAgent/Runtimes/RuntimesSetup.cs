namespace GenieHive.NodeAgent.Runtimes;

internal static class RuntimesSetup
{
    /// <summary>The models of <c>runtimes:</c> (N3), each behind its own endpoint, started before the agent registers.</summary>
    public static IHostApplicationBuilder AddModelRuntimes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RuntimeServices>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RuntimeServices>());
        builder.Services.AddHostedService<IdleUnloadLoop>();
        return builder;
    }
}
