using System.Buffers.Binary;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// WAV input for whisper (docs/runtimes.md "Transcription"): RIFF/WAVE with PCM integer samples of 8 (unsigned), 16,
/// 24 or 32 bits, or IEEE float samples of 32 or 64 bits (plain or <c>WAVE_FORMAT_EXTENSIBLE</c>), any sample rate
/// from 1 kHz to 768 kHz and any channel count. Channels are averaged to mono and the result resampled to 16 kHz
/// (<see cref="Resampler"/>). Anything else is refused with a message saying what the file looks like.
/// </summary>
internal static class WavAudio
{
    public const int WhisperRate = 16_000;

    /// <summary>The longest audio taken per request: one hour (230 MB of 16 kHz samples).</summary>
    public const int MaxSeconds = 3600;

    private const ushort FormatPcm = 1;
    private const ushort FormatFloat = 3;
    private const ushort FormatExtensible = 0xFFFE;
    private const string ConvertHint = "Convert it first, e.g. ffmpeg -i input -ar 16000 -ac 1 output.wav.";

    /// <summary>The mono 16 kHz samples, or the reason the bytes are not audio this runtime decodes (null on success).</summary>
    public static string? TryDecode(ReadOnlySpan<byte> file, out DecodedAudio audio)
    {
        audio = null!;
        if (file.Length < 12 || !file[..4].SequenceEqual("RIFF"u8) || !file.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            return NotWav(file);
        }

        Format? format = null;
        ReadOnlySpan<byte> data = default;
        var foundData = false;
        var offset = 12;
        while (offset + 8 <= file.Length)
        {
            var id = file.Slice(offset, 4);
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(offset + 4, 4));
            var start = offset + 8;
            var remaining = file.Length - start;
            if (id.SequenceEqual("data"u8))
            {
                // A streaming writer that did not know the length leaves 0xFFFFFFFF (or 0, with the RIFF size unknown
                // too): the data runs to the end. A real empty data chunk stays empty.
                var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(file.Slice(4, 4));
                if (declared == uint.MaxValue || (declared == 0 && remaining > 0 && riffSize is 0 or uint.MaxValue))
                {
                    declared = (uint)remaining;
                }
                else if (declared > remaining)
                {
                    return $"The WAV file is cut short: its data chunk declares {declared} bytes and {remaining} are present.";
                }

                data = file.Slice(start, (int)declared);
                foundData = true;
                break;
            }

            if (declared > remaining)
            {
                return $"The WAV file is cut short inside its '{Ascii(id)}' chunk.";
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (ReadFormat(file.Slice(start, (int)declared), out var parsed) is { } problem)
                {
                    return problem;
                }

                format = parsed;
            }

            // Chunks are padded to an even length.
            offset = start + (int)declared + (int)(declared & 1);
        }

        if (format is not { } f)
        {
            return "The WAV file has no 'fmt ' chunk before its data.";
        }

        if (!foundData)
        {
            return "The WAV file has no 'data' chunk.";
        }

        var frames = data.Length / f.BlockAlign;
        var seconds = (double)frames / f.SampleRate;
        if (seconds > MaxSeconds)
        {
            // Checked before a sample is decoded: the buffers grow with the duration (a 1 kHz 8-bit file 64-fold).
            return $"The audio is {seconds:0} s long; at most {MaxSeconds} s is transcribed per request. Split it first.";
        }

        var mono = Mono(data[..(frames * f.BlockAlign)], f, frames);
        var samples = f.SampleRate == WhisperRate ? mono : Resampler.Resample(mono, f.SampleRate, WhisperRate);
        audio = new DecodedAudio(samples, (double)frames / f.SampleRate, f.SampleRate, f.Channels, f.Bits, f.IsFloat);
        return null;
    }

    private static string? ReadFormat(ReadOnlySpan<byte> chunk, out Format format)
    {
        format = default;
        if (chunk.Length < 16)
        {
            return "The WAV file's 'fmt ' chunk is shorter than 16 bytes.";
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);
        var code = tag;
        if (tag == FormatExtensible)
        {
            if (chunk.Length < 40)
            {
                return "The WAV file is WAVE_FORMAT_EXTENSIBLE but its 'fmt ' chunk is too short to name the sample format.";
            }

            // The first two bytes of the sub-format GUID are the format code; the rest is the fixed KSDATAFORMAT suffix.
            code = BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]);
        }

        if (code is not (FormatPcm or FormatFloat))
        {
            return $"The WAV file holds {CodecName(code)} audio (format tag 0x{code:X4}); only PCM integer and IEEE float WAV is decoded. " + ConvertHint;
        }

        var isFloat = code == FormatFloat;
        if (isFloat ? bits is not (32 or 64) : bits is not (8 or 16 or 24 or 32))
        {
            return $"The WAV file has {bits}-bit {(isFloat ? "float" : "integer")} samples; decoded are 8, 16, 24 or 32-bit integer and 32 or 64-bit float.";
        }

        if (channels == 0 || rate is < 1_000 or > 768_000)
        {
            return $"The WAV file declares {channels} channels at {rate} Hz; needed are at least one channel and 1 kHz to 768 kHz.";
        }

        if (blockAlign != channels * (bits / 8))
        {
            return $"The WAV file's block size ({blockAlign} bytes) does not match {channels} channels of {bits}-bit samples.";
        }

        format = new Format(channels, (int)rate, bits, blockAlign, isFloat);
        return null;
    }

    /// <summary>Each frame's channels averaged, as floats in [-1, 1].</summary>
    private static float[] Mono(ReadOnlySpan<byte> data, Format f, int frames)
    {
        var mono = new float[frames];
        var width = f.Bits / 8;
        var scale = 1.0 / f.Channels;
        for (var frame = 0; frame < frames; frame++)
        {
            var sum = 0.0;
            var at = frame * f.BlockAlign;
            for (var c = 0; c < f.Channels; c++, at += width)
            {
                var sample = Sample(data.Slice(at, width), f);

                // Float WAV may hold NaN, infinities or values past full scale: silence and full scale instead, so
                // whisper never sees a non-finite sample.
                sum += double.IsNaN(sample) ? 0 : Math.Clamp(sample, -1, 1);
            }

            mono[frame] = (float)(sum * scale);
        }

        return mono;
    }

    private static double Sample(ReadOnlySpan<byte> b, Format f) => (f.Bits, f.IsFloat) switch
    {
        (8, false) => (b[0] - 128) / 128.0,
        (16, false) => BinaryPrimitives.ReadInt16LittleEndian(b) / 32768.0,
        (24, false) => ((b[0] | (b[1] << 8) | (b[2] << 16)) << 8 >> 8) / 8388608.0,
        (32, false) => BinaryPrimitives.ReadInt32LittleEndian(b) / 2147483648.0,
        (32, true) => BinaryPrimitives.ReadSingleLittleEndian(b),
        _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
    };

    private static string NotWav(ReadOnlySpan<byte> file)
    {
        var kind = file switch
        {
            _ when file.Length == 0 => "empty",
            _ when file.StartsWith("ID3"u8) || (file.Length > 1 && file[0] == 0xFF && (file[1] & 0xE0) == 0xE0) => "MP3 (or AAC) audio",
            _ when file.StartsWith("fLaC"u8) => "FLAC audio",
            _ when file.StartsWith("OggS"u8) => "Ogg (Vorbis or Opus) audio",
            _ when file.Length >= 8 && file.Slice(4, 4).SequenceEqual("ftyp"u8) => "MP4 / M4A",
            _ when file.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]) => "WebM / Matroska",
            _ when file.StartsWith("FORM"u8) => "AIFF",
            _ when file.StartsWith("#!AMR"u8) => "AMR audio",
            _ when file.StartsWith("RIFF"u8) => "a RIFF file that is not WAVE",
            _ when file.StartsWith("RIFX"u8) || file.StartsWith("RF64"u8) => "a big-endian or RF64 WAV",
            _ => "not WAV",
        };
        var what = kind is "empty" ? "The file is empty." : kind is "not WAV" ? "The file is not WAV." : $"The file is {kind}, not WAV.";
        return $"{what} This runtime decodes only WAV (RIFF/WAVE, PCM 8/16/24/32-bit or float 32/64-bit); no other audio decoder is installed. " + ConvertHint;
    }

    private static string CodecName(ushort code) => code switch
    {
        2 => "MS ADPCM",
        6 => "A-law",
        7 => "µ-law",
        0x11 => "IMA ADPCM",
        0x55 => "MP3",
        _ => "compressed",
    };

    private static string Ascii(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[id.Length];
        for (var i = 0; i < id.Length; i++)
        {
            chars[i] = id[i] is >= 0x20 and < 0x7F ? (char)id[i] : '?';
        }

        return new string(chars);
    }

    private readonly record struct Format(int Channels, int SampleRate, int Bits, int BlockAlign, bool IsFloat);
}
