using System.Globalization;
using System.Text;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The metadata of a GGUF file, read without native code: the header (<c>GGUF</c>, version 2 or 3, tensor and
/// key-value counts), then every key-value pair. Scalars and strings are kept; arrays are skipped except for their
/// length (a vocabulary is tens of thousands of strings and says nothing the agent needs). Tensor data is never read,
/// so a file truncated after its header still reads here and fails in its runtime host.
/// </summary>
internal sealed class GgufMetadata
{
    private const uint Magic = 0x46554747; // "GGUF" little-endian
    private const int MaxStringBytes = 16 * 1024 * 1024;

    private readonly Dictionary<string, object> _values;

    private GgufMetadata(uint version, ulong tensorCount, Dictionary<string, object> values)
    {
        Version = version;
        TensorCount = tensorCount;
        _values = values;
    }

    public uint Version { get; }

    public ulong TensorCount { get; }

    public IReadOnlyDictionary<string, object> Values => _values;

    public string? Architecture => String("general.architecture");

    /// <summary><c>{arch}.context_length</c>: the context the model was trained for.</summary>
    public long? ContextLength => Architecture is { } arch ? Integer($"{arch}.context_length") : null;

    /// <summary><c>{arch}.pooling_type</c> (llama.cpp: 0 none, 1 mean, 2 cls, 3 last, 4 rank), null when absent.</summary>
    public long? PoolingType => Architecture is { } arch ? Integer($"{arch}.pooling_type") : null;

    /// <summary>
    /// Bytes of f16 KV cache one token takes across all layers (K and V): 2 × layers × KV width × 2 bytes, the KV width
    /// being the embedding width scaled by <c>head_count_kv / head_count</c> (grouped-query attention); 0 when unknown.
    /// </summary>
    public long KvBytesPerToken
    {
        get
        {
            if (Architecture is not { } arch || Integer($"{arch}.block_count") is not { } layers || Integer($"{arch}.embedding_length") is not { } width)
            {
                return 0;
            }

            var heads = Integer($"{arch}.attention.head_count") ?? 0;
            var kvHeads = Integer($"{arch}.attention.head_count_kv") ?? heads;
            var kvWidth = heads > 0 ? width * kvHeads / heads : width;
            return 2 * layers * kvWidth * 2;
        }
    }

    public bool HasChatTemplate => String("tokenizer.chat_template") is { Length: > 0 };

    /// <summary>The quantisation named by <c>general.file_type</c> (llama.cpp's <c>llama_ftype</c>), null when absent.</summary>
    public string? Quantization => Integer("general.file_type") is { } type ? FileTypeName(type) : null;

    public string? String(string key) => _values.TryGetValue(key, out var value) ? value as string : null;

    public long? Integer(string key) => _values.TryGetValue(key, out var value) ? value switch
    {
        long l => l,
        ulong u when u <= long.MaxValue => (long)u,
        _ => null,
    } : null;

    /// <summary>Reads the metadata; a file that is not GGUF, or ends inside its metadata, throws <see cref="InvalidDataException"/>.</summary>
    public static GgufMetadata Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: false);
        try
        {
            if (reader.ReadUInt32() != Magic)
            {
                throw new InvalidDataException("not a GGUF file (bad magic)");
            }

            var version = reader.ReadUInt32();
            if (version is < 2 or > 3)
            {
                throw new InvalidDataException($"unsupported GGUF version {version}");
            }

            var tensors = reader.ReadUInt64();
            var count = reader.ReadUInt64();
            if (count > 1_000_000)
            {
                throw new InvalidDataException($"implausible metadata count {count}");
            }

            var values = new Dictionary<string, object>((int)count, StringComparer.Ordinal);
            for (ulong i = 0; i < count; i++)
            {
                var key = ReadString(reader);
                var type = reader.ReadUInt32();
                values[key] = ReadValue(reader, type);
            }

            return new GgufMetadata(version, tensors, values);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the file ends inside its GGUF metadata");
        }
    }

    private static object ReadValue(BinaryReader reader, uint type) => type switch
    {
        0 => (long)reader.ReadByte(),
        1 => (long)reader.ReadSByte(),
        2 => (long)reader.ReadUInt16(),
        3 => (long)reader.ReadInt16(),
        4 => (long)reader.ReadUInt32(),
        5 => (long)reader.ReadInt32(),
        6 => (double)reader.ReadSingle(),
        7 => reader.ReadByte() != 0,
        8 => ReadString(reader),
        9 => SkipArray(reader),
        10 => reader.ReadUInt64(),
        11 => reader.ReadInt64(),
        12 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"unknown GGUF value type {type}"),
    };

    /// <summary>Skips an array and returns its length: element type, count, then the elements.</summary>
    private static GgufArrayLength SkipArray(BinaryReader reader)
    {
        var type = reader.ReadUInt32();
        var count = reader.ReadUInt64();
        var size = type switch
        {
            0 or 1 or 7 => 1,
            2 or 3 => 2,
            4 or 5 or 6 => 4,
            10 or 11 or 12 => 8,
            _ => 0,
        };
        if (size > 0)
        {
            reader.BaseStream.Seek(checked((long)count * size), SeekOrigin.Current);
            if (reader.BaseStream.Position > reader.BaseStream.Length)
            {
                throw new EndOfStreamException();
            }
        }
        else
        {
            for (ulong i = 0; i < count; i++)
            {
                ReadValue(reader, type);
            }
        }

        return new GgufArrayLength(count);
    }

    private static string ReadString(BinaryReader reader)
    {
        var length = reader.ReadUInt64();
        if (length > MaxStringBytes)
        {
            throw new InvalidDataException($"implausible string length {length}");
        }

        var bytes = reader.ReadBytes((int)length);
        if (bytes.Length != (int)length)
        {
            throw new EndOfStreamException();
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private static string FileTypeName(long type) => type switch
    {
        0 => "F32",
        1 => "F16",
        2 => "Q4_0",
        3 => "Q4_1",
        7 => "Q8_0",
        8 => "Q5_0",
        9 => "Q5_1",
        10 => "Q2_K",
        11 => "Q3_K_S",
        12 => "Q3_K_M",
        13 => "Q3_K_L",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        16 => "Q5_K_S",
        17 => "Q5_K_M",
        18 => "Q6_K",
        19 => "IQ2_XXS",
        20 => "IQ2_XS",
        21 => "Q2_K_S",
        22 => "IQ3_XS",
        23 => "IQ3_XXS",
        24 => "IQ1_S",
        25 => "IQ4_NL",
        26 => "IQ3_S",
        27 => "IQ3_M",
        28 => "IQ2_S",
        29 => "IQ2_M",
        30 => "IQ4_XS",
        31 => "IQ1_M",
        32 => "BF16",
        36 => "TQ1_0",
        37 => "TQ2_0",
        38 => "MXFP4_MOE",
        _ => "type-" + type.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>A skipped GGUF array: only its element count is kept.</summary>
internal readonly record struct GgufArrayLength(ulong Count);
