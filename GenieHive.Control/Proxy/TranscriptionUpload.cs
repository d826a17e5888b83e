using System.Globalization;
using System.Text;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using GenieHive.ServiceDefaults.Errors;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace GenieHive.Control.Proxy;

/// <summary>
/// A <c>/v1/audio/transcriptions</c> upload (api.md §2.4), read part by part with <see cref="MultipartReader"/>:
/// <c>file</c> goes to an <see cref="UploadSpool"/>, the text parts (<c>model</c>, <c>language</c>, <c>prompt</c>,
/// <c>response_format</c>, <c>temperature</c>) are kept as strings, others are dropped. Parts keep their order; so
/// <c>model</c> may come after <c>file</c> and every attempt re-sends the same upload with its own model id.
/// </summary>
internal sealed class TranscriptionUpload : UpstreamBody
{
    public const int MaxTextPartBytes = 1 << 20;

    private static readonly string[] TextParts = ["model", "language", "prompt", "response_format", "temperature"];

    private readonly List<UploadPart> _parts = [];
    private UploadSpool? _file;

    private TranscriptionUpload()
    {
    }

    public string Model { get; private set; } = "";

    /// <summary>Reads the whole upload, or says why not (415, 413, 400 naming the part).</summary>
    public static async Task<(TranscriptionUpload? Upload, ApiError? Error)> ReadAsync(HttpContext context, long limit)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return (null, ApiError.UnsupportedMediaType("Expected multipart/form-data."));
        }

        var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
        if (string.IsNullOrEmpty(boundary))
        {
            return (null, ApiError.InvalidRequest("Missing multipart boundary.", "file"));
        }

        if (RequestBodyReader.ExceedsDeclaredLength(context, limit))
        {
            return (null, ApiError.PayloadTooLarge(limit));
        }

        RequestBodyReader.LiftServerLimit(context);
        var upload = new TranscriptionUpload();
        try
        {
            var error = await upload.FillAsync(context, boundary, limit);
            if (error is not null)
            {
                upload.Dispose();
                return (null, error);
            }

            return (upload, null);
        }
        catch
        {
            upload.Dispose();
            throw;
        }
    }

    public override HttpContent CreateContent(ServiceRecord service, bool injectStreamUsage)
    {
        var model = UpstreamModel.IdFor(service, Model);
        return new MultipartUploadContent(_parts, _file!, model);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file?.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<ApiError?> FillAsync(HttpContext context, string boundary, long limit)
    {
        var cancellationToken = context.RequestAborted;
        var body = new LimitedReadStream(context.Request.Body, limit);
        var reader = new MultipartReader(boundary, body) { BodyLengthLimit = null };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (!seen.Add(name))
                {
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                    continue;
                }

                if (name == "file")
                {
                    _file = new UploadSpool();
                    await _file.FillAsync(section.Body, cancellationToken);
                    var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value;
                    if (string.IsNullOrEmpty(fileName))
                    {
                        fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                    }

                    _parts.Add(UploadPart.File(
                        string.IsNullOrEmpty(fileName) ? "audio" : fileName,
                        string.IsNullOrEmpty(section.ContentType) ? "application/octet-stream" : section.ContentType));
                }
                else if (Array.IndexOf(TextParts, name) >= 0)
                {
                    var value = await ReadTextAsync(section.Body, cancellationToken);
                    if (value is null)
                    {
                        return ApiError.InvalidRequest($"Part '{name}' exceeds {MaxTextPartBytes} bytes.", name);
                    }

                    _parts.Add(UploadPart.Text(name, value));
                }
                else
                {
                    await section.Body.CopyToAsync(Stream.Null, cancellationToken);
                }
            }
        }
        catch (PayloadTooLargeException)
        {
            return ApiError.PayloadTooLarge(limit);
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            return ApiError.InvalidRequest("Malformed multipart body.", "file");
        }
        catch (InvalidDataException)
        {
            return ApiError.InvalidRequest("Malformed multipart body.", "file");
        }

        return Validate();
    }

    private ApiError? Validate()
    {
        if (_file is null)
        {
            return ApiError.InvalidRequest("Missing 'file' part.", "file");
        }

        string? model = null;
        foreach (var part in _parts)
        {
            if (part.Name == "model")
            {
                model = part.Value;
            }
            else if (part.Name == "temperature"
                && !double.TryParse(part.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return ApiError.InvalidRequest("'temperature' must be a number.", "temperature");
            }
        }

        if (string.IsNullOrEmpty(model))
        {
            return ApiError.InvalidRequest("Missing 'model' in request body.", "model");
        }

        Model = model;
        return null;
    }

    private static async Task<string?> ReadTextAsync(Stream section, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBuffer(256);
        int read;
        while ((read = await section.ReadAsync(buffer.GetMemory(1024), cancellationToken)) > 0)
        {
            buffer.Advance(read);
            if (buffer.Count > MaxTextPartBytes)
            {
                return null;
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

/// <summary>One forwarded part: a text field, or the file (whose bytes live in the upload's spool).</summary>
internal sealed record UploadPart(string Name, string Value, string? FileName, string? ContentType)
{
    public static UploadPart Text(string name, string value) => new(name, value, null, null);

    public static UploadPart File(string fileName, string contentType) => new("file", "", fileName, contentType);

    public bool IsFile => FileName is not null;
}
