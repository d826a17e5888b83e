using System.Buffers;

namespace GenieHive.Control.Proxy;

/// <summary>
/// An uploaded file kept for (re-)sending without holding it whole in memory (api.md §2.4): up to 1 MiB in a
/// pooled buffer, beyond that in a temporary file opened with <see cref="FileOptions.DeleteOnClose"/>, so it is
/// removed when the spool is disposed at request end (or by the OS if the process dies).
/// </summary>
internal sealed class UploadSpool : IDisposable
{
    public const int MemoryThreshold = 1 << 20;
    private const int CopyBufferSize = 80 * 1024;

    private PooledBuffer? _memory = new(16 * 1024);
    private FileStream? _file;

    public long Length { get; private set; }

    /// <summary>True once the upload went past the memory threshold (tests check the temp file is gone after).</summary>
    public string? FilePath => _file?.Name;

    public async Task FillAsync(Stream source, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(chunk.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                await WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }

            if (_file is not null)
            {
                await _file.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (_file is null)
        {
            await destination.WriteAsync(_memory!.WrittenMemory, cancellationToken);
            return;
        }

        var chunk = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            _file.Position = 0;
            int read;
            while ((read = await _file.ReadAsync(chunk.AsMemory(0, CopyBufferSize), cancellationToken)) > 0)
            {
                await destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public void Dispose()
    {
        _memory?.Dispose();
        _memory = null;
        _file?.Dispose();
        _file = null;
    }

    private async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Length += data.Length;
        if (_file is null && _memory!.Count + data.Length <= MemoryThreshold)
        {
            _memory.Write(data.Span);
            return;
        }

        if (_file is null)
        {
            var path = Path.Combine(Path.GetTempPath(), "geniehive-upload-" + Guid.NewGuid().ToString("N"));
            _file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0,
                FileOptions.Asynchronous | FileOptions.DeleteOnClose);
            await _file.WriteAsync(_memory!.WrittenMemory, cancellationToken);
            _memory.Dispose();
            _memory = null;
        }

        await _file.WriteAsync(data, cancellationToken);
    }
}
