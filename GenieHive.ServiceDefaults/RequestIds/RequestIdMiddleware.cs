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

    /// <summary><c>req_</c> + 32 hex of cryptographically random bytes.</summary>
    public static string NewId() =>
        string.Create(36, 0, static (span, _) =>
        {
            "req_".CopyTo(span);
            Convert.TryToHexStringLower(RandomBlock.Next16(), span[4..], out _);
        });

    /// <summary>
    /// Random bytes drawn from the OS generator 4 KiB at a time per thread: one <see cref="RandomNumberGenerator"/>
    /// call per 256 ids instead of one (an OpenSSL round trip) per request. The bytes are as random as before.
    /// </summary>
    private static class RandomBlock
    {
        private const int BlockSize = 4096;

        [ThreadStatic]
        private static byte[]? t_block;

        [ThreadStatic]
        private static int t_offset;

        public static ReadOnlySpan<byte> Next16()
        {
            var block = t_block;
            if (block is null || t_offset > BlockSize - 16)
            {
                block = t_block ??= new byte[BlockSize];
                RandomNumberGenerator.Fill(block);
                t_offset = 0;
            }

            var span = block.AsSpan(t_offset, 16);
            t_offset += 16;
            return span;
        }
    }
}
