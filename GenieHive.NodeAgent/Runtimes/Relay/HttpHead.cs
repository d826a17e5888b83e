using System.Buffers.Text;
using System.Text;

namespace GenieHive.NodeAgent.Runtimes.Relay;

/// <summary>How a message's body is delimited (RFC 9112 §6.3).</summary>
internal enum BodyKind
{
    None,
    Length,
    Chunked,
    UntilClose,
}

/// <summary>A parsed HTTP/1.1 request head: what the relay needs from it, nothing more (the bytes go on as they came).</summary>
internal readonly record struct RequestHead(
    string Method, string Path, bool KeepAlive, BodyKind Body, long Length, string? TraceParent, string? TraceState);

/// <summary>A parsed HTTP/1.1 response head.</summary>
internal readonly record struct ResponseHead(int Status, bool KeepAlive, BodyKind Body, long Length);

/// <summary>
/// Strict parsing of HTTP/1.1 message heads for the runtime endpoint's relay (RFC 9112): the request line or status
/// line, then header fields; the framing headers (<c>Content-Length</c>, <c>Transfer-Encoding</c>,
/// <c>Connection</c>) are interpreted, everything else is left in the bytes. What could be read two ways is refused
/// rather than guessed (both framing headers, differing lengths, a coding other than chunked, folded lines), so the
/// relay and the runtime host never disagree on where a message ends.
/// </summary>
internal static class HttpHead
{
    /// <summary>The largest head accepted; a longer one is answered 431.</summary>
    public const int MaxBytes = 32 * 1024;

    private static ReadOnlySpan<byte> Terminator => "\r\n\r\n"u8;

    /// <summary>
    /// The length of the head at the start of <paramref name="data"/> including its blank line, or -1 when the blank
    /// line has not arrived. <paramref name="scanned"/> is where to resume searching (updated).
    /// </summary>
    public static int FindEnd(ReadOnlySpan<byte> data, ref int scanned)
    {
        var from = Math.Max(0, scanned - 3);
        var at = data[from..].IndexOf(Terminator);
        if (at < 0)
        {
            scanned = data.Length;
            return -1;
        }

        return from + at + Terminator.Length;
    }

    /// <summary>Parses a request head (with its blank line). On failure, <paramref name="error"/> says why.</summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> head, out RequestHead request, out string? error)
    {
        request = default;
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1)
        {
            error = "The request line is not 'METHOD target HTTP/1.1'.";
            return false;
        }

        var method = line[..firstSpace];
        var target = line[(firstSpace + 1)..lastSpace];
        var version = line[(lastSpace + 1)..];
        if (!IsToken(method) || target.IndexOf((byte)' ') >= 0 || target[0] != (byte)'/')
        {
            error = "The request line is not 'METHOD /path HTTP/1.1'.";
            return false;
        }

        bool keepAlive;
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            keepAlive = true;
        }
        else if (version.SequenceEqual("HTTP/1.0"u8))
        {
            keepAlive = false;
        }
        else
        {
            error = "Only HTTP/1.1 and HTTP/1.0 are served here.";
            return false;
        }

        var fields = new Fields();
        if (!fields.TryRead(head[(lineEnd + 2)..], out error))
        {
            return false;
        }

        if (!fields.TryFraming(isRequest: true, out var body, out var length, out error))
        {
            return false;
        }

        var query = target.IndexOf((byte)'?');
        var path = query < 0 ? target : target[..query];
        request = new RequestHead(
            Encoding.ASCII.GetString(method),
            Encoding.ASCII.GetString(path),
            fields.KeepAlive(keepAlive),
            body,
            length,
            fields.TraceParent,
            fields.TraceState);
        return true;
    }

    /// <summary>
    /// Parses a response head; <paramref name="toHead"/> says the request was HEAD (no body whatever the headers say).
    /// </summary>
    public static bool TryParseResponse(ReadOnlySpan<byte> head, bool toHead, out ResponseHead response, out string? error)
    {
        response = default;
        var lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || line[8] != (byte)' '
            || !Utf8Parser.TryParse(line.Slice(9, 3), out int status, out var used) || used != 3 || status < 100
            || (line.Length > 12 && line[12] != (byte)' '))
        {
            error = "The status line is not 'HTTP/1.1 NNN reason'.";
            return false;
        }

        var fields = new Fields();
        if (!fields.TryRead(head[(lineEnd + 2)..], out error))
        {
            return false;
        }

        BodyKind body;
        long length = 0;
        if (toHead || status is < 200 or 204 or 304)
        {
            body = BodyKind.None;
        }
        else if (!fields.TryFraming(isRequest: false, out body, out length, out error))
        {
            return false;
        }

        response = new ResponseHead(status, fields.KeepAlive(line[7] == (byte)'1') && body != BodyKind.UntilClose, body, length);
        return true;
    }

    private static bool IsToken(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b <= 32 || b >= 127 || "()<>@,;:\\\"/[]?={}"u8.IndexOf(b) >= 0)
            {
                return false;
            }
        }

        return value.Length > 0;
    }

    /// <summary>The framing-relevant header fields of one head.</summary>
    private ref struct Fields
    {
        private long _length;
        private bool _hasLength;
        private bool _hasEncoding;
        private bool _chunked;
        private bool _close;
        private bool _keepAlive;

        public string? TraceParent { get; private set; }

        public string? TraceState { get; private set; }

        public bool TryRead(ReadOnlySpan<byte> fields, out string? error)
        {
            error = null;
            while (true)
            {
                var end = fields.IndexOf("\r\n"u8);
                var line = fields[..end];
                fields = fields[(end + 2)..];
                if (line.IsEmpty)
                {
                    return true;
                }

                var colon = line.IndexOf((byte)':');
                if (colon <= 0 || !IsToken(line[..colon]))
                {
                    error = line[0] is (byte)' ' or (byte)'\t'
                        ? "Folded header lines are not accepted."
                        : "A header line is not 'Name: value'.";
                    return false;
                }

                var name = line[..colon];
                var value = line[(colon + 1)..].Trim(" \t"u8);
                if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0)
                {
                    error = "A header value holds a control character.";
                    return false;
                }

                if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
                {
                    if (!Utf8Parser.TryParse(value, out long length, out var used) || used != value.Length || length < 0
                        || (_hasLength && length != _length))
                    {
                        error = "Content-Length is not one non-negative integer.";
                        return false;
                    }

                    _length = length;
                    _hasLength = true;
                }
                else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
                {
                    // Only "chunked", alone and last, is understood; anything else cannot be delimited safely.
                    _hasEncoding = true;
                    _chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8) && !_chunked;
                    if (!_chunked)
                    {
                        error = "Transfer-Encoding other than a single 'chunked' is not accepted.";
                        return false;
                    }
                }
                else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
                {
                    foreach (var range in value.Split((byte)','))
                    {
                        var option = value[range].Trim(" \t"u8);
                        _close |= Ascii.EqualsIgnoreCase(option, "close"u8);
                        _keepAlive |= Ascii.EqualsIgnoreCase(option, "keep-alive"u8);
                    }
                }
                else if (Ascii.EqualsIgnoreCase(name, "traceparent"u8))
                {
                    TraceParent = Encoding.ASCII.GetString(value);
                }
                else if (Ascii.EqualsIgnoreCase(name, "tracestate"u8))
                {
                    TraceState = Encoding.ASCII.GetString(value);
                }
            }
        }

        public readonly bool TryFraming(bool isRequest, out BodyKind body, out long length, out string? error)
        {
            error = null;
            length = 0;
            if (_hasEncoding && _hasLength)
            {
                // RFC 9112 §6.3: a request smuggling vector; refused rather than resolved.
                body = BodyKind.None;
                error = "Both Transfer-Encoding and Content-Length are present.";
                return false;
            }

            if (_hasEncoding)
            {
                body = BodyKind.Chunked;
            }
            else if (_hasLength)
            {
                body = _length == 0 ? BodyKind.None : BodyKind.Length;
                length = _length;
            }
            else
            {
                body = isRequest ? BodyKind.None : BodyKind.UntilClose;
            }

            return true;
        }

        public readonly bool KeepAlive(bool byDefault) => !_close && (byDefault || _keepAlive);
    }
}
