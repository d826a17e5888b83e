using System.Security.Cryptography;
using System.Text;

namespace GenieHive.Control.Auth;

/// <summary>
/// Configured keys as SHA-256 digests (security.md §4): a presented key is hashed once and compared with every
/// digest by <see cref="CryptographicOperations.FixedTimeEquals"/>, with no early exit. Raw keys are never kept.
/// </summary>
public sealed class KeyDigestSet
{
    private readonly byte[][] _digests;

    public KeyDigestSet(IEnumerable<string> keys)
    {
        _digests = [.. keys.Where(k => !string.IsNullOrEmpty(k)).Select(Digest)];
    }

    /// <summary>No keys configured: the routes it guards are open (development mode).</summary>
    public bool IsEmpty => _digests.Length == 0;

    public bool Matches(string? presented) => MatchIndex(presented) >= 0;

    /// <summary>Index of the matching digest, or -1; every digest is compared whatever the outcome.</summary>
    public int MatchIndex(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return -1;
        }

        // Hash on the stack: no per-request arrays for the UTF-8 bytes or the digest.
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(presented.Length);
        byte[]? rented = null;
        var utf8 = maxBytes <= 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(maxBytes));
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        SHA256.HashData(utf8[..length], digest);
        if (rented is not null)
        {
            CryptographicOperations.ZeroMemory(rented.AsSpan(0, length));
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        else
        {
            CryptographicOperations.ZeroMemory(utf8[..length]);
        }

        var found = -1;
        for (var i = 0; i < _digests.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, _digests[i]) && found < 0)
            {
                found = i;
            }
        }

        return found;
    }

    public static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public static string DigestHex(string key) => Convert.ToHexStringLower(Digest(key));
}
