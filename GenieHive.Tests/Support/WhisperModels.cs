namespace GenieHive.Tests.Support;

/// <summary>
/// The generated whisper models the transcription tests share, written once per test class: in one folder a
/// multilingual model (asset id <c>tiny-whisper</c>), an English-only one (<c>tiny-whisper.en</c>) and a <c>.bin</c>
/// that is no model; elsewhere a copy of the multilingual model cut off in its tensors.
/// </summary>
public sealed class WhisperModels : IDisposable
{
    private readonly TempDirectory _dir = new();

    public WhisperModels()
    {
        Folder = _dir.Combine("whisper");
        Directory.CreateDirectory(Folder);
        Multilingual = new TinyWhisperModel().Write(Path.Combine(Folder, "Tiny-Whisper.bin"));
        English = new TinyWhisperModel(Multilingual: false).Write(Path.Combine(Folder, "tiny-whisper.en.bin"));
        _dir.Write("whisper/notes.bin", "not a model");
        var bytes = File.ReadAllBytes(Multilingual);
        Truncated = _dir.Combine("broken", "broken-whisper.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(Truncated)!);
        File.WriteAllBytes(Truncated, bytes[..(bytes.Length * 2 / 3)]);
    }

    public string Folder { get; }

    public string Multilingual { get; }

    public string English { get; }

    public string Truncated { get; }

    public void Dispose() => _dir.Dispose();
}
