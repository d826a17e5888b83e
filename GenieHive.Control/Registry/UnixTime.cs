namespace GenieHive.Control.Registry;

/// <summary>Unix seconds with a fraction from the injected clock (config.md §6 "times are Unix seconds from TimeProvider").</summary>
public static class UnixTime
{
    public static double Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
