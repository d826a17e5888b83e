namespace GenieHive.NodeAgent.Heartbeat;

/// <summary>
/// Where the agent syncs to and with which key: <c>control_plane.base_url</c>, else <c>ControlPlane:Url</c>, else
/// Aspire's service discovery of <c>control</c> (<c>https+http://control</c>), else none (config.md §2.1, §4).
/// </summary>
internal sealed record AgentSettings(string? ControlPlaneUrl, string? NodeApiKey, string InstanceId)
{
    public const string DiscoveredControlUrl = "https+http://control";

    public static AgentSettings Resolve(Configuration.NodeConfig config, IConfiguration configuration)
    {
        var url = config.ControlPlane.BaseUrl;
        if (string.IsNullOrWhiteSpace(url))
        {
            url = configuration["ControlPlane:Url"];
        }

        if (string.IsNullOrWhiteSpace(url)
            && (!string.IsNullOrEmpty(configuration["services:control:https:0"]) || !string.IsNullOrEmpty(configuration["services:control:http:0"])))
        {
            url = DiscoveredControlUrl;
        }

        var key = config.ControlPlane.NodeApiKey;
        if (string.IsNullOrEmpty(key))
        {
            key = configuration["ControlPlane:NodeApiKey"];
        }

        return new AgentSettings(
            string.IsNullOrWhiteSpace(url) ? null : url.TrimEnd('/'),
            string.IsNullOrEmpty(key) ? null : key,
            Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
    }
}
