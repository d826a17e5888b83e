using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace GenieHive.ServiceDefaults.RequestIds;

/// <summary>
/// Gives every request an id (api.md §1.3): the caller's <c>X-Request-Id</c> when it is 1–128 printable ASCII
/// characters, else <c>req_</c> + 32 hex. The id goes on every response, errors included.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Request-Id";
    private const string ItemKey = "GenieHive.RequestId";

    public Task InvokeAsync(HttpContext context)
    {
        var id = Accept(context.Request.Headers[HeaderName].ToString()) ?? NewId();
        context.Items[ItemKey] = id;
        Stamp(context, id);
        return next(context);
    }

    public static string Get(HttpContext context) =>
        context.Items.TryGetValue(ItemKey, out var value) && value is string id ? id : NewId();

    internal static void Stamp(HttpContext context, string id) => context.Response.Headers[HeaderName] = id;

    public static string? Accept(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > 128)
        {
            return null;
        }

        foreach (var c in candidate)
        {
            if (c is < (char)0x21 or > (char)0x7E)
            {
                return null;
            }
        }

        return candidate;
    }

    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(36, bytes.ToArray(), static (span, b) =>
        {
            "req_".CopyTo(span);
            Convert.TryToHexStringLower(b, span[4..], out _);
        });
    }
}
