using System.Text;

namespace GenieHive.Benchmarks.Runtime;

/// <summary>
/// Writes a GGUF v3 file from scratch: header, metadata key-values, tensor infos, then the tensor data, each
/// tensor aligned to <c>general.alignment</c> (32). F32 tensors only; dims as GGUF orders them (fastest first).
/// </summary>
internal sealed class GgufWriter
{
    private const int Alignment = 32;
    private readonly List<(string Key, uint Type, Action<BinaryWriter> Value)> _metadata = [];
    private readonly List<(string Name, ulong[] Dims, float[] Data)> _tensors = [];

    public GgufWriter String(string key, string value) => Add(key, 8, w => WriteString(w, value));

    public GgufWriter UInt32(string key, uint value) => Add(key, 4, w => w.Write(value));

    public GgufWriter Int32(string key, int value) => Add(key, 5, w => w.Write(value));

    public GgufWriter Float32(string key, float value) => Add(key, 6, w => w.Write(value));

    public GgufWriter Bool(string key, bool value) => Add(key, 7, w => w.Write((byte)(value ? 1 : 0)));

    public GgufWriter Strings(string key, IReadOnlyList<string> values) => Add(key, 9, w =>
    {
        w.Write(8u);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            WriteString(w, value);
        }
    });

    public GgufWriter Floats(string key, IReadOnlyList<float> values) => Add(key, 9, w =>
    {
        w.Write(6u);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    });

    public GgufWriter Int32s(string key, IReadOnlyList<int> values) => Add(key, 9, w =>
    {
        w.Write(5u);
        w.Write((ulong)values.Count);
        foreach (var value in values)
        {
            w.Write(value);
        }
    });

    public GgufWriter Tensor(string name, float[] data, params ulong[] dims)
    {
        ulong count = 1;
        foreach (var d in dims)
        {
            count *= d;
        }

        if (count != (ulong)data.Length)
        {
            throw new ArgumentException($"{name}: {data.Length} values for dims {string.Join('x', dims)}");
        }

        _tensors.Add((name, dims, data));
        return this;
    }

    public void Save(string path)
    {
        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream, Encoding.UTF8);
        w.Write(0x46554747u);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var (key, type, value) in _metadata)
        {
            WriteString(w, key);
            w.Write(type);
            value(w);
        }

        ulong offset = 0;
        foreach (var (name, dims, data) in _tensors)
        {
            WriteString(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims)
            {
                w.Write(d);
            }

            w.Write(0u); // GGML_TYPE_F32
            w.Write(offset);
            offset = Align((ulong)(offset + ((ulong)data.Length * 4)));
        }

        Pad(w);
        var start = stream.Position;
        foreach (var (_, _, data) in _tensors)
        {
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            w.Write(bytes);
            Pad(w);
        }

        _ = start;
    }

    private GgufWriter Add(string key, uint type, Action<BinaryWriter> value)
    {
        _metadata.Add((key, type, value));
        return this;
    }

    private static void WriteString(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static ulong Align(ulong value) => (value + Alignment - 1) / Alignment * Alignment;

    private static void Pad(BinaryWriter w)
    {
        var position = (ulong)w.BaseStream.Position;
        var padding = Align(position) - position;
        for (ulong i = 0; i < padding; i++)
        {
            w.Write((byte)0);
        }
    }
}
