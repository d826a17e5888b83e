using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace GenieHive.Control.Proxy;

/// <summary>
/// The multipart body of one transcription attempt: the kept parts in their original order, <c>model</c>
/// replaced, the file streamed from the spool. Length is known up front, so no chunked encoding.
/// </summary>
internal sealed class MultipartUploadContent : HttpContent
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();
    private readonly List<(byte[] Head, byte[]? Value)> _segments = [];
    private readonly UploadSpool _file;
    private readonly byte[] _closing;

    public MultipartUploadContent(IReadOnlyList<UploadPart> parts, UploadSpool file, string model)
    {
        _file = file;
        var boundary = "geniehive-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        foreach (var part in parts)
        {
            var head = new StringBuilder(128).Append("--").Append(boundary).Append("\r\n")
                .Append("Content-Disposition: form-data; name=\"").Append(part.Name).Append('"');
            if (part.IsFile)
            {
                head.Append("; filename=\"").Append(QuoteSafe(part.FileName!)).Append("\"\r\n")
                    .Append("Content-Type: ").Append(part.ContentType).Append("\r\n\r\n");
                _segments.Add((Encoding.UTF8.GetBytes(head.ToString()), null));
            }
            else
            {
                head.Append("\r\n\r\n");
                var value = part.Name == "model" ? model : part.Value;
                _segments.Add((Encoding.UTF8.GetBytes(head.ToString()), Encoding.UTF8.GetBytes(value)));
            }
        }

        _closing = Encoding.ASCII.GetBytes("--" + boundary + "--\r\n");
        Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=" + boundary);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        foreach (var (head, value) in _segments)
        {
            await stream.WriteAsync(head, cancellationToken);
            if (value is null)
            {
                await _file.CopyToAsync(stream, cancellationToken);
            }
            else
            {
                await stream.WriteAsync(value, cancellationToken);
            }

            await stream.WriteAsync(CrLf, cancellationToken);
        }

        await stream.WriteAsync(_closing, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _closing.Length;
        foreach (var (head, value) in _segments)
        {
            length += head.Length + (value?.Length ?? _file.Length) + 2;
        }

        return true;
    }

    private static string QuoteSafe(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
}
