using System.Buffers.Binary;

namespace GenieHive.Tests.Support;

/// <summary>Writes RIFF/WAVE files for the transcription tests: PCM 8/16/24/32-bit or float 32/64-bit, plain or extensible.</summary>
internal static class WavFile
{
    /// <summary>A tone of <paramref name="frequency"/> Hz, the same on every channel.</summary>
    public static byte[] Tone(double seconds, int rate = 16_000, int channels = 1, int bits = 16, bool isFloat = false,
        double frequency = 440, double amplitude = 0.5, bool extensible = false) =>
        Write((int)Math.Round(seconds * rate), rate, channels, bits, isFloat, extensible,
            (frame, _) => amplitude * Math.Sin(2 * Math.PI * frequency * frame / rate));

    /// <summary>Samples from <paramref name="sample"/>(frame, channel) in [-1, 1].</summary>
    public static byte[] Write(int frames, int rate, int channels, int bits, bool isFloat, bool extensible, Func<int, int, double> sample)
    {
        var width = bits / 8;
        var blockAlign = channels * width;
        var fmtLength = extensible ? 40 : 16;
        var dataLength = frames * blockAlign;
        var file = new byte[12 + 8 + fmtLength + 8 + dataLength];
        var span = file.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], (uint)(file.Length - 8));
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)fmtLength);
        var fmt = span.Slice(20, fmtLength);
        var code = (ushort)(isFloat ? 3 : 1);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, extensible ? (ushort)0xFFFE : code);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[2..], (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[4..], (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt[8..], (uint)(rate * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[12..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt[14..], (ushort)bits);
        if (extensible)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[16..], 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[18..], (ushort)bits);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt[20..], 0);
            // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the format code, then a fixed suffix.
            BinaryPrimitives.WriteUInt16LittleEndian(fmt[24..], code);
            ((ReadOnlySpan<byte>)[0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]).CopyTo(fmt[26..]);
        }

        var data = span[(20 + fmtLength)..];
        "data"u8.CopyTo(data);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], (uint)dataLength);
        var at = 8;
        for (var frame = 0; frame < frames; frame++)
        {
            for (var channel = 0; channel < channels; channel++, at += width)
            {
                WriteSample(data.Slice(at, width), Math.Clamp(sample(frame, channel), -1, 1), bits, isFloat);
            }
        }

        return file;
    }

    private static void WriteSample(Span<byte> target, double value, int bits, bool isFloat)
    {
        switch (bits, isFloat)
        {
            case (8, false):
                target[0] = (byte)Math.Clamp(Math.Round((value * 128) + 128), 0, 255);
                break;
            case (16, false):
                BinaryPrimitives.WriteInt16LittleEndian(target, (short)Math.Clamp(Math.Round(value * 32768), short.MinValue, short.MaxValue));
                break;
            case (24, false):
                var v24 = (int)Math.Clamp(Math.Round(value * 8388608), -8388608, 8388607);
                target[0] = (byte)v24;
                target[1] = (byte)(v24 >> 8);
                target[2] = (byte)(v24 >> 16);
                break;
            case (32, false):
                BinaryPrimitives.WriteInt32LittleEndian(target, (int)Math.Clamp(Math.Round(value * 2147483648.0), int.MinValue, int.MaxValue));
                break;
            case (32, true):
                BinaryPrimitives.WriteSingleLittleEndian(target, (float)value);
                break;
            default:
                BinaryPrimitives.WriteDoubleLittleEndian(target, value);
                break;
        }
    }
}
