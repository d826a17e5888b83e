namespace GenieHive.Control.Auth;

/// <summary>The control plane's static client and node keys, as digests (security.md §2–§4).</summary>
public sealed class ControlKeys(KeyDigestSet clientKeys, KeyDigestSet nodeKeys)
{
    public KeyDigestSet ClientKeys { get; } = clientKeys;

    public KeyDigestSet NodeKeys { get; } = nodeKeys;

    public static ControlKeys Open { get; } = new(new KeyDigestSet([]), new KeyDigestSet([]));
}
