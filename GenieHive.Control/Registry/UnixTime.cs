namespace GenieHive.Control.Registry;

/// <summary>Unix seconds with a fraction from the injected clock (config.md §6 "times are Unix seconds from TimeProvider").</summary>
public static class UnixTime
{
    public static double Now(TimeProvider time) => Seconds(time.GetUtcNow());

    /// <summary><paramref name="instant"/> as Unix seconds, to the millisecond.</summary>
    public static double Seconds(DateTimeOffset instant) => instant.ToUnixTimeMilliseconds() / 1000.0;
}
