using System.Net;

namespace GenieHive.NodeAgent.Configuration;

/// <summary>How the agent reads a <c>listen_host</c>: loopback, wildcard, or a concrete address.</summary>
internal static class ListenAddress
{
    public static bool IsWildcard(string host) => host is "0.0.0.0" or "::" or "[::]" or "*" or "+";

    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The address to bind: wildcards → any, <c>localhost</c> → loopback.</summary>
    public static IPAddress ToBindAddress(string host)
    {
        if (IsWildcard(host))
        {
            return host.Contains(':', StringComparison.Ordinal) ? IPAddress.IPv6Any : IPAddress.Any;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : IPAddress.Loopback;
    }
}
