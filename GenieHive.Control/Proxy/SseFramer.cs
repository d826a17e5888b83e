namespace GenieHive.Control.Proxy;

/// <summary>
/// Frames upstream bytes into whole SSE events (api.md §2.2 step 3): an event ends at a blank line, with LF or
/// CRLF line ends. Bytes are read straight into one pooled buffer; complete events are handed out as spans of it
/// and the partial tail is moved to the front before the next read, so nothing is copied per token.
/// </summary>
internal sealed class SseFramer : IDisposable
{
    private const int ReadSize = 16 * 1024;
    private readonly PooledBuffer _buffer = new(ReadSize * 2);
    private int _consumed;   // start of the first byte not yet handed out
    private int _scan;       // next byte to scan for '\n'
    private int _lineStart;  // start of the line being scanned

    /// <summary>Bytes of the event still incomplete (and not yet handed out).</summary>
    public int PendingBytes => _buffer.Count - _consumed;

    /// <summary>True when the pending bytes are only whitespace (a clean close between events).</summary>
    public bool PendingIsBlank => _buffer.WrittenSpan[_consumed..].IndexOfAnyExcept(" \t\r\n"u8) < 0;

    /// <summary>Memory to read the next upstream bytes into; compacts what was handed out first.</summary>
    public Memory<byte> GetReadMemory()
    {
        if (_consumed > 0)
        {
            _buffer.DiscardFront(_consumed);
            _scan -= _consumed;
            _lineStart -= _consumed;
            _consumed = 0;
        }

        return _buffer.GetMemory(ReadSize);
    }

    public void Advance(int bytesRead) => _buffer.Advance(bytesRead);

    /// <summary>The next whole event (its terminating blank line included), valid until the next <see cref="GetReadMemory"/>.</summary>
    public bool TryReadEvent(out ReadOnlyMemory<byte> sseEvent)
    {
        var span = _buffer.WrittenSpan;
        while (_scan < span.Length)
        {
            var newline = span[_scan..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                _scan = span.Length;
                break;
            }

            var end = _scan + newline;
            var lineLength = end - _lineStart;
            var blank = lineLength == 0 || (lineLength == 1 && span[_lineStart] == (byte)'\r');
            _scan = end + 1;
            _lineStart = end + 1;
            if (blank)
            {
                sseEvent = _buffer.WrittenMemory[_consumed.._scan];
                _consumed = _scan;
                return true;
            }
        }

        sseEvent = default;
        return false;
    }

    public void Dispose() => _buffer.Dispose();
}
