using System.Globalization;
using System.Text.Json;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Proxy;

/// <summary>Per-service proxy knobs read from <c>runtime</c> (config.md: any scalar, D14).</summary>
internal static class ServiceRuntime
{
    /// <summary><c>runtime.stream_usage: false</c> turns off <c>include_usage</c> injection (routing.md step 7).</summary>
    public static bool AllowsStreamUsage(ServiceRecord service)
    {
        if (service.Runtime.ValueKind != JsonValueKind.Object || !service.Runtime.TryGetProperty("stream_usage", out var value))
        {
            return true;
        }

        return value.ValueKind switch
        {
            JsonValueKind.False => false,
            JsonValueKind.String => !string.Equals(value.GetString(), "false", StringComparison.OrdinalIgnoreCase),
            JsonValueKind.Number => value.TryGetDouble(out var n) && n != 0,
            _ => true,
        };
    }

    /// <summary><c>runtime.first_byte_timeout_s</c> (number or numeric string), or null.</summary>
    public static double? FirstByteTimeoutSeconds(ServiceRecord service)
    {
        if (service.Runtime.ValueKind != JsonValueKind.Object || !service.Runtime.TryGetProperty("first_byte_timeout_s", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds > 0)
        {
            return seconds;
        }

        return value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) && seconds > 0
            ? seconds
            : null;
    }
}
