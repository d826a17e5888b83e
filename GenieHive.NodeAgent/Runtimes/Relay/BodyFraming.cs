using System.Buffers.Text;

namespace GenieHive.NodeAgent.Runtimes.Relay;

/// <summary>
/// Finds where a message body ends while its bytes pass through unchanged: a <c>Content-Length</c> count, or the
/// chunked coding's own framing (RFC 9112 §7.1: size lines, data, the last chunk and its trailer section). The
/// relay forwards exactly the bytes <see cref="Advance"/> says belong to the body, so a byte of the next message is
/// never sent with this one.
/// </summary>
internal struct BodyFraming
{
    private const int MaxLineBytes = 4096;

    private State _state;
    private long _remaining;
    private int _lineBytes;
    private int _digits;
    private bool _sizeEnded;

    private enum State
    {
        Done,
        Length,
        UntilClose,
        SizeLine,
        SizeLineLf,
        Data,
        DataCr,
        DataLf,
        TrailerLineStart,
        TrailerLine,
        TrailerLineLf,
        FinalLf,
    }

    public BodyFraming(BodyKind kind, long length)
    {
        _state = kind switch
        {
            BodyKind.Length => State.Length,
            BodyKind.Chunked => State.SizeLine,
            BodyKind.UntilClose => State.UntilClose,
            _ => State.Done,
        };
        _remaining = kind == BodyKind.Length ? length : 0;
        _lineBytes = 0;
        if (_state == State.Length && _remaining == 0)
        {
            _state = State.Done;
        }
    }

    /// <summary>Whether the body has ended.</summary>
    public readonly bool IsDone => _state == State.Done;

    /// <summary>Whether the body ends only when the connection closes.</summary>
    public readonly bool EndsAtClose => _state == State.UntilClose;

    /// <summary>
    /// How many bytes at the start of <paramref name="data"/> belong to the body (all of them unless it ends inside);
    /// -1 when the chunked framing is broken.
    /// </summary>
    public int Advance(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.Done:
                    return i;
                case State.UntilClose:
                    return data.Length;
                case State.Length:
                case State.Data:
                {
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = _state == State.Length ? State.Done : State.DataCr;
                    }

                    break;
                }

                case State.SizeLine:
                {
                    // chunk-size [ chunk-ext ] CRLF: the size in hex, then any extension up to the line's end.
                    var b = data[i++];
                    if (++_lineBytes > MaxLineBytes)
                    {
                        return -1;
                    }

                    if (b == (byte)'\r')
                    {
                        _state = State.SizeLineLf;
                    }
                    else if (!_sizeEnded && HexValue(b) is var digit and >= 0)
                    {
                        // 15 hex digits keep the size a positive long.
                        if (++_digits > 15)
                        {
                            return -1;
                        }

                        _remaining = (_remaining << 4) | (uint)digit;
                    }
                    else if (_digits > 0 && b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _sizeEnded = true;
                    }
                    else if (!_sizeEnded || b is < 32 and not (byte)'\t' || b == 127)
                    {
                        return -1;
                    }

                    break;
                }

                case State.SizeLineLf:
                    if (data[i++] != (byte)'\n' || _digits == 0)
                    {
                        return -1;
                    }

                    _lineBytes = 0;
                    _digits = 0;
                    _sizeEnded = false;
                    _state = _remaining == 0 ? State.TrailerLineStart : State.Data;
                    break;
                case State.DataCr:
                    if (data[i++] != (byte)'\r')
                    {
                        return -1;
                    }

                    _state = State.DataLf;
                    break;
                case State.DataLf:
                    if (data[i++] != (byte)'\n')
                    {
                        return -1;
                    }

                    _state = State.SizeLine;
                    break;
                case State.TrailerLineStart:
                    // The trailer section: header lines, then an empty line ends the message.
                    _state = data[i++] == (byte)'\r' ? State.FinalLf : State.TrailerLine;
                    _lineBytes = 1;
                    break;
                case State.TrailerLine:
                    if (++_lineBytes > MaxLineBytes)
                    {
                        return -1;
                    }

                    if (data[i++] == (byte)'\r')
                    {
                        _state = State.TrailerLineLf;
                    }

                    break;
                case State.TrailerLineLf:
                    if (data[i++] != (byte)'\n')
                    {
                        return -1;
                    }

                    _state = State.TrailerLineStart;
                    break;
                case State.FinalLf:
                    if (data[i++] != (byte)'\n')
                    {
                        return -1;
                    }

                    _state = State.Done;
                    return i;
            }
        }

        return i;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
