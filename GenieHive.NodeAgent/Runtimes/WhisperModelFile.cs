namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The header of a whisper.cpp ggml model (<c>ggml-*.bin</c>), read without native code: the magic <c>ggml</c>
/// (0x67676d6c, little-endian) and the eleven int32 hyper-parameters that follow it. Nothing after them (mel filters,
/// vocabulary, tensors) is read, so a file cut short after its header still reads here and fails in its runtime host.
/// </summary>
internal sealed record WhisperModelFile(
    int Vocabulary,
    int AudioContext,
    int AudioState,
    int AudioHeads,
    int AudioLayers,
    int TextContext,
    int TextState,
    int TextHeads,
    int TextLayers,
    int Mels,
    int FileType)
{
    public const uint Magic = 0x67676d6c;

    /// <summary>whisper.cpp's rule: a vocabulary of 51865 tokens or more carries the language tokens.</summary>
    public bool Multilingual => Vocabulary >= 51865;

    /// <summary>
    /// The weight type of <c>ftype</c>: ggml's <c>ggml_ftype</c> after removing the quantisation version (not
    /// llama.cpp's <c>llama_ftype</c> of <see cref="GgufMetadata.Quantization"/>: the two part ways from 10 on).
    /// </summary>
    public string? Quantization => (FileType % 1000) switch
    {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K",
        12 => "Q4_K",
        13 => "Q5_K",
        14 => "Q6_K",
        _ => null,
    };

    /// <summary>
    /// Memory one request's whisper.cpp state takes beyond the weights: the self-attention KV cache (f16, text
    /// context), the cross-attention KV cache and its padding (f16, audio context), the decoder's logits for a full
    /// text context (the largest compute buffer) and the encoder's attention scores. An estimate of whisper.cpp's own
    /// buffers, used by the memory budget until the process is measured.
    /// </summary>
    public long StateBytes
    {
        get
        {
            long selfKv = 2L * TextLayers * TextContext * TextState * 2;
            long crossKv = 2L * 2 * TextLayers * AudioContext * TextState * 2;
            long logits = 4L * Vocabulary * TextContext;
            long attention = 4L * AudioHeads * AudioContext * AudioContext;
            long activations = 4L * 8 * AudioContext * AudioState;
            return selfKv + crossKv + logits + attention + activations;
        }
    }

    /// <summary>Reads the header; a file that is not a whisper ggml model throws <see cref="InvalidDataException"/>.</summary>
    public static WhisperModelFile Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        Span<byte> header = stackalloc byte[48];
        stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        return Parse(header[..(int)Math.Min(stream.Length, header.Length)]);
    }

    /// <summary>Is this the start of a whisper ggml file (its magic)? Used to pick models out of a folder.</summary>
    public static bool HasMagic(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16);
            Span<byte> magic = stackalloc byte[4];
            return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && BitConverter.ToUInt32(magic) == Magic;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static WhisperModelFile Parse(ReadOnlySpan<byte> header)
    {
        if (header.Length < 4 || BitConverter.ToUInt32(header[..4]) != Magic)
        {
            throw new InvalidDataException("not a whisper.cpp ggml model (no 'ggml' magic)");
        }

        if (header.Length < 48)
        {
            throw new InvalidDataException("the file ends inside its header");
        }

        var v = new int[11];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = BitConverter.ToInt32(header.Slice(4 + (i * 4), 4));
        }

        var file = new WhisperModelFile(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
        if (file.Vocabulary < 51864 || file.AudioContext < 1 || file.AudioState < 1 || file.AudioHeads < 1 || file.AudioLayers < 1
            || file.TextContext < 1 || file.TextHeads < 1 || file.TextLayers < 1 || file.Mels < 1 || file.FileType < 0
            || file.TextState != file.AudioState || file.AudioState % file.AudioHeads != 0 || file.TextState % file.TextHeads != 0)
        {
            throw new InvalidDataException(
                $"implausible whisper hyper-parameters (vocabulary {file.Vocabulary}, audio {file.AudioContext}×{file.AudioState}, " +
                $"{file.AudioHeads} heads, {file.AudioLayers} layers; text {file.TextContext}×{file.TextState}, {file.TextHeads} heads, " +
                $"{file.TextLayers} layers; {file.Mels} mels)");
        }

        return file;
    }
}
