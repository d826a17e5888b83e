namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The last lines a server process wrote, in memory only and bounded (lines and characters per line). They explain a
/// failed start or a crash in <c>runtime.last_error</c>, and are never logged: such servers can print prompts.
/// </summary>
internal sealed class LineTail(int maxLines = 40, int maxLineChars = 400)
{
    private readonly Queue<string> _lines = new();

    public void Add(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        var trimmed = line.Trim();
        if (trimmed.Length > maxLineChars)
        {
            trimmed = trimmed[..maxLineChars] + "…";
        }

        lock (_lines)
        {
            _lines.Enqueue(trimmed);
            while (_lines.Count > maxLines)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Last(int count)
    {
        lock (_lines)
        {
            return [.. _lines.TakeLast(count)];
        }
    }
}
