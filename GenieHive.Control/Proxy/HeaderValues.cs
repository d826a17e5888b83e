using System.Text;

namespace GenieHive.Control.Proxy;

/// <summary>api.md §1.3: bytes outside 0x21–0x7E, and <c>%</c>, are percent-encoded (UTF-8) in id header values.</summary>
internal static class HeaderValues
{
    public static string Encode(string value)
    {
        foreach (var c in value)
        {
            if (c is < (char)0x21 or > (char)0x7E or '%')
            {
                return EncodeSlow(value);
            }
        }

        return value;
    }

    private static string EncodeSlow(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is < 0x21 or > 0x7E or (byte)'%')
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    private const string HexUpper = "0123456789ABCDEF";
}
