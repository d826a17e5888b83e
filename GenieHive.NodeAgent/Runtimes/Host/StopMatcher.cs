namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// OpenAI <c>stop</c> sequences over streamed text: text that could still begin a stop sequence is held back until the
/// next piece tells; a full match ends the completion with the stop sequence itself left out.
/// </summary>
internal sealed class StopMatcher(IReadOnlyList<string> stops)
{
    private string _pending = "";

    /// <summary>Adds a piece; returns the text that is safe to send and whether a stop sequence matched.</summary>
    public (string Text, bool Stopped) Add(string piece)
    {
        if (stops.Count == 0)
        {
            return (piece, false);
        }

        var pending = _pending + piece;
        var first = -1;
        foreach (var stop in stops)
        {
            var at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        if (first >= 0)
        {
            _pending = "";
            return (pending[..first], true);
        }

        var hold = 0;
        foreach (var stop in stops)
        {
            for (var length = Math.Min(stop.Length - 1, pending.Length); length > hold; length--)
            {
                if (pending.AsSpan(pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    hold = length;
                    break;
                }
            }
        }

        _pending = pending[^hold..];
        return (pending[..^hold], false);
    }

    /// <summary>What was held back, once the completion ends without a match.</summary>
    public string Flush()
    {
        var rest = _pending;
        _pending = "";
        return rest;
    }
}
