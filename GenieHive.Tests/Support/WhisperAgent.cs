namespace GenieHive.Tests.Support;

/// <summary>A node agent serving the generated whisper models (<see cref="WhisperModels"/>) through <c>runtimes:</c>, preloaded.</summary>
public sealed class WhisperAgent : ModelRuntimeAgent<WhisperModels>
{
    protected override string NodeYaml(WhisperModels models) => $$"""
        node: { host_id: "stt-host", listen_port: 0 }
        runtimes:
          - { id: "whisper", engine: "whisper", paths: ["{{models.Folder}}"], parallel: 2, threads: 1, preload: true }
        """;

    /// <summary>A transcription upload: the file as <c>clip.wav</c>, then the other parts in order.</summary>
    internal static MultipartFormDataContent Form(byte[]? file, params (string Name, string Value)[] parts)
    {
        var form = new MultipartFormDataContent();
        if (file is not null)
        {
            form.Add(new ByteArrayContent(file), "file", "clip.wav");
        }

        foreach (var (name, value) in parts)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }
}
