namespace GenieHive.NodeAgent.Simulation;

/// <summary>The W3C trace ids of the last <see cref="Capacity"/> requests a simulated server saw, oldest first.</summary>
internal sealed class TraceRing
{
    public const int Capacity = 256;
    private readonly string[] _ids = new string[Capacity];
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    /// <summary>Records the trace id of a <c>traceparent</c> header (<c>00-&lt;32 hex&gt;-&lt;16 hex&gt;-&lt;2 hex&gt;</c>); others are ignored.</summary>
    public void Record(string? traceparent)
    {
        if (traceparent is null || traceparent.Length < 55 || traceparent[2] != '-' || traceparent[35] != '-')
        {
            return;
        }

        var id = traceparent.AsSpan(3, 32);
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return;
            }
        }

        var text = id.ToString();
        lock (_gate)
        {
            _ids[_next] = text;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate)
        {
            var result = new string[_count];
            var start = (_next - _count + Capacity) % Capacity;
            for (var i = 0; i < _count; i++)
            {
                result[i] = _ids[(start + i) % Capacity];
            }

            return result;
        }
    }
}
