using System.Buffers;

namespace GenieHive.Control.Proxy;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>: request bodies, upstream bodies and
/// rewritten SSE events are assembled here without per-request garbage. Not thread-safe; dispose once.
/// </summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _count;

    public PooledBuffer(int initialCapacity = 4096)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 256));
    }

    public int Count => _count;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _count);

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _count);

    /// <summary>The written bytes, writable (for in-place compaction by the owner).</summary>
    public Span<byte> WrittenSpanMutable => _array.AsSpan(0, _count);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_count + count > _array.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _count += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_count);
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        Ensure(data.Length);
        data.CopyTo(_array.AsSpan(_count));
        _count += data.Length;
    }

    public void Clear() => _count = 0;

    /// <summary>Drops the first <paramref name="count"/> bytes, moving the rest to the front.</summary>
    public void DiscardFront(int count)
    {
        if (count <= 0)
        {
            return;
        }

        var remaining = _count - count;
        if (remaining > 0)
        {
            _array.AsSpan(count, remaining).CopyTo(_array);
        }

        _count = Math.Max(remaining, 0);
    }

    public void Dispose()
    {
        var array = _array;
        _array = [];
        _count = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
        {
            sizeHint = 1;
        }

        if (_array.Length - _count >= sizeHint)
        {
            return;
        }

        var size = Math.Max(_array.Length * 2, _count + sizeHint);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _count).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = next;
    }
}
