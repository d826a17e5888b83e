using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GenieHive.NodeAgent.Simulation;

/// <summary>Deterministic unit vectors derived from model id + input: same pair, same vector (N1).</summary>
internal static class EmbeddingVectors
{
    public static void Fill(string model, string input, Span<float> vector)
    {
        var text = Encoding.UTF8.GetBytes(model + "\0" + input);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(text, hash);
        var state = BinaryPrimitives.ReadUInt64LittleEndian(hash);
        double norm = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            // SplitMix64: cheap, well-distributed, and the same on every platform.
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            var value = ((z >> 40) / (double)(1UL << 24) * 2.0) - 1.0;
            vector[i] = (float)value;
            norm += value * value;
        }

        var scale = norm > 0 ? 1.0 / Math.Sqrt(norm) : 1.0;
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(vector[i] * scale);
        }
    }
}
