using System.Text.Json;

namespace GenieHive.Control.Proxy;

internal enum SseEventAction
{
    /// <summary>Forward the event byte for byte.</summary>
    PassThrough,

    /// <summary>Forward the rewritten event from the output buffer instead.</summary>
    Rewritten,

    /// <summary>The usage-only chunk the caller did not ask for (D7).</summary>
    Dropped,

    /// <summary><c>data: [DONE]</c>: forward it and end the stream.</summary>
    Done,
}

/// <summary>
/// Per-event sanitising of a chat stream (routing.md "Streaming and response sanitising"): only events whose bytes
/// contain <c>"reasoning</c>, <c>"usage"</c> or <c>[DONE]</c> are looked at; reasoning members are removed and the
/// event re-emitted as one compact <c>data:</c> line with its other fields kept; the last non-null usage is
/// remembered; the usage-only chunk is dropped when the control plane injected <c>include_usage</c>.
/// Unparseable data, comments and untouched events pass byte for byte.
/// </summary>
internal sealed class SseEventTransformer(bool hideUsageChunks) : IDisposable
{
    private readonly PooledBuffer _joined = new(1024);
    private readonly PooledBuffer _json = new(1024);

    public TokenUsage? LastUsage { get; private set; }

    public SseEventAction Transform(ReadOnlySpan<byte> sseEvent, PooledBuffer output)
    {
        var mayHaveReasoning = sseEvent.IndexOf("\"reasoning"u8) >= 0;
        var mayHaveUsage = sseEvent.IndexOf("\"usage\""u8) >= 0;
        var mayBeDone = sseEvent.IndexOf("[DONE]"u8) >= 0;
        if (!mayHaveReasoning && !mayHaveUsage && !mayBeDone)
        {
            return SseEventAction.PassThrough;
        }

        if (!TryGetData(sseEvent, out var data))
        {
            return SseEventAction.PassThrough;
        }

        if (mayBeDone && data.Trim(" \t\r"u8).SequenceEqual("[DONE]"u8))
        {
            return SseEventAction.Done;
        }

        try
        {
            var json = data;
            var removed = false;
            if (mayHaveReasoning)
            {
                _json.Clear();
                removed = ReasoningStripper.Strip(data, _json);
                if (removed)
                {
                    json = _json.WrittenSpan;
                }
            }

            if (mayHaveUsage && TokenUsage.TryRead(json, out var usage, out var choicesEmpty))
            {
                LastUsage = usage;
                if (hideUsageChunks && choicesEmpty)
                {
                    return SseEventAction.Dropped;
                }
            }

            if (!removed)
            {
                return SseEventAction.PassThrough;
            }

            WriteRewritten(sseEvent, json, output);
            return SseEventAction.Rewritten;
        }
        catch (JsonException)
        {
            return SseEventAction.PassThrough;
        }
    }

    public void Dispose()
    {
        _joined.Dispose();
        _json.Dispose();
    }

    /// <summary>The event's data: one line's value as a slice, several lines joined with <c>\n</c>.</summary>
    private bool TryGetData(ReadOnlySpan<byte> sseEvent, out ReadOnlySpan<byte> data)
    {
        data = default;
        var count = 0;
        var rest = sseEvent;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (!TryDataValue(line, out var value))
            {
                continue;
            }

            count++;
            if (count == 1)
            {
                data = value;
            }
            else
            {
                if (count == 2)
                {
                    _joined.Clear();
                    _joined.Write(data);
                }

                _joined.Write("\n"u8);
                _joined.Write(value);
            }
        }

        if (count > 1)
        {
            data = _joined.WrittenSpan;
        }

        return count > 0;
    }

    private static bool TryDataValue(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> value)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        value = default;
        if (!line.StartsWith("data"u8))
        {
            return false;
        }

        if (line.Length == 4)
        {
            return true;
        }

        if (line[4] != (byte)':')
        {
            return false;
        }

        value = line[5..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        return true;
    }

    private static void WriteRewritten(ReadOnlySpan<byte> sseEvent, ReadOnlySpan<byte> json, PooledBuffer output)
    {
        output.Clear();
        var dataWritten = false;
        var rest = sseEvent;
        while (!rest.IsEmpty)
        {
            var newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? default : rest[(newline + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.IsEmpty)
            {
                continue;
            }

            if (TryDataValue(line, out _))
            {
                if (!dataWritten)
                {
                    output.Write("data: "u8);
                    output.Write(json);
                    output.Write("\n"u8);
                    dataWritten = true;
                }

                continue;
            }

            output.Write(line);
            output.Write("\n"u8);
        }

        output.Write("\n"u8);
    }
}
