using System.Text;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>Asset ids of served files (docs/runtimes.md "Ids").</summary>
internal static class ModelIds
{
    /// <summary>
    /// The file name without its model extension (<c>.gguf</c>; <c>.bin</c> for whisper models), lower-cased, each
    /// run of characters outside <c>[a-z0-9._-]</c> replaced by one <c>-</c>: <c>Qwen3-8B-Q4_K_M.gguf</c> →
    /// <c>qwen3-8b-q4_k_m</c>, <c>ggml-base.en.bin</c> → <c>ggml-base.en</c>.
    /// </summary>
    public static string FromFileName(string path, string extension = ".gguf")
    {
        var name = Path.GetFileName(path);
        if (name.Length > extension.Length && name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^extension.Length];
        }

        var id = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            {
                id.Append(c);
            }
            else if (id.Length > 0 && id[^1] != '-')
            {
                id.Append('-');
            }
        }

        var text = id.ToString().Trim('-');
        return text.Length == 0 ? "model" : text;
    }

    /// <summary>Files a folder holds that are not models of their own: later parts of a split GGUF, projectors.</summary>
    public static bool IsServable(string path)
    {
        var name = Path.GetFileName(path);
        if (name.StartsWith("mmproj", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // "model-00002-of-00003.gguf": llama.cpp loads the later parts through the first one.
        var stem = name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name;
        var of = stem.LastIndexOf("-of-", StringComparison.OrdinalIgnoreCase);
        if (of > 6 && int.TryParse(stem.AsSpan(of - 5, 5), out var part) && stem[of - 6] == '-')
        {
            return part == 1;
        }

        return true;
    }
}
