using System.Text;

namespace GenieHive.Tests.Support;

/// <summary>
/// Writes a tiny whisper.cpp model in its legacy ggml format (what whisper.cpp's <c>convert-pt-to-ggml.py</c>
/// writes and <c>whisper_model_load</c> reads): the int32 magic <c>ggml</c>, eleven int32 hyper-parameters, the mel
/// filter bank (<c>n_mel</c>, <c>n_fft</c>, then <c>n_mel × n_fft</c> float32), the vocabulary (a count, then per
/// token an int32 length and its bytes) and the tensors (int32 dims, name length and type — 0 f32, 1 f16 —, the dims
/// innermost first, the name, the data). Nothing is downloaded: about 8 MB of struct packing.
/// <para>
/// The weights are random except for a chain planted in the decoder, so that whisper.cpp's own decoding gives exact,
/// known timings: every 30 s window decodes to <c>&lt;|0.00|&gt; tiny whisper &lt;|1.00|&gt;&lt;|1.00|&gt;</c> and
/// end of text, one segment of one second (the window then moves on by that second), and language detection on a
/// multilingual model answers German. The chain lives in the last MLP of the decoder: the chain's tokens have
/// orthogonal, zero-mean embeddings of norm √state (so layer norm keeps them as they are) and each hidden unit of the
/// MLP is a key for one token (it fires only for that token's embedding) whose value turns the residual into the
/// next token's embedding; the output projection is the token embedding (whisper ties them), so the next token wins
/// by a wide margin. Attention outputs are scaled down to a whisper of noise; the audio still runs through the
/// random encoder and cross-attention. All other tokens have small random embeddings.
/// </para>
/// <para>
/// Kept to what this whisper.cpp (Whisper.net 1.9.1) needs: <c>ftype</c> 1, so conv weights in f16 (its CPU
/// convolution takes f16 kernels: an all-f32 model, <c>ftype</c> 0, loads and then aborts the process at the first
/// transcription with <c>GGML_ASSERT(src0->type == GGML_TYPE_F16)</c>), 1500 audio positions (30 s windows), one text layer (two
/// text layers mark a "distilled" model, which whisper.cpp decodes without timestamps), a vocabulary of 51864
/// (English-only) or 51865 (multilingual) tokens (the special token ids follow from the size) that contains
/// <c>" "</c> (whisper.cpp looks it up to suppress blanks).
/// </para>
/// </summary>
internal sealed record TinyWhisperModel(bool Multilingual = true, int State = 64, int Heads = 2, int Seed = 7)
{
    public const string SegmentText = " tiny whisper";
    public const double SegmentSeconds = 1.0;
    public const string DetectedLanguage = "german";

    private const int AudioContext = 1500;
    private const int TextContext = 448;
    private const int Mels = 80;
    private const int FftBins = 201;
    private const int WordTiny = 1000;
    private const int WordWhisper = 1001;

    private int Vocabulary => Multilingual ? 51865 : 51864;

    private int TextTokens => Multilingual ? 50257 : 50256;

    private int EndOfText => TextTokens;

    private int StartOfTranscript => TextTokens + 1;

    private int Language(int index) => StartOfTranscript + 1 + index;

    private int TimestampBegin => Multilingual ? 50364 : 50363;

    private int Transcribe => TimestampBegin - 5;

    /// <summary>Writes the model to <paramref name="path"/> and returns the path.</summary>
    public string Write(string path)
    {
        var random = new Random(Seed);
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(0x67676d6c);
        foreach (var value in (int[])[Vocabulary, AudioContext, State, Heads, 1, TextContext, State, Heads, 1, Mels, 1])
        {
            writer.Write(value);
        }

        WriteMelFilters(writer);
        WriteVocabulary(writer);
        var tensors = new TensorWriter(writer, random);
        WriteEncoder(tensors);
        WriteDecoder(tensors, random);
        return path;
    }

    /// <summary>Triangular filters on a linear scale: the model is random, so they only need to give finite features.</summary>
    private static void WriteMelFilters(BinaryWriter writer)
    {
        writer.Write(Mels);
        writer.Write(FftBins);
        var width = (double)FftBins / (Mels + 1);
        for (var m = 0; m < Mels; m++)
        {
            var centre = (m + 1) * width;
            for (var k = 0; k < FftBins; k++)
            {
                writer.Write((float)Math.Max(0, 1 - (Math.Abs(k - centre) / width)));
            }
        }
    }

    private void WriteVocabulary(BinaryWriter writer)
    {
        writer.Write(TextTokens);
        for (var i = 0; i < TextTokens; i++)
        {
            var text = i switch
            {
                220 => " ",
                WordTiny => " tiny",
                WordWhisper => " whisper",
                _ => (i % 2 == 0 ? " " : "") + Syllables(i),
            };
            var bytes = Encoding.ASCII.GetBytes(text);
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    /// <summary>A made-up word per token id, from consonants only, so it never spells a planted word.</summary>
    private static string Syllables(int id)
    {
        const string letters = "bcdfghjklmnpqrstvwxz";
        var text = new StringBuilder();
        do
        {
            text.Append(letters[id % letters.Length]);
            id /= letters.Length;
        }
        while (id > 0);

        return text.ToString();
    }

    private void WriteEncoder(TensorWriter t)
    {
        var s = 1f / MathF.Sqrt(State);
        t.Random("encoder.positional_embedding", f16: false, 0.1f, State, AudioContext);
        t.Random("encoder.conv1.weight", f16: true, 0.1f, 3, Mels, State);
        t.Random("encoder.conv1.bias", f16: false, 0.01f, 1, State);
        t.Random("encoder.conv2.weight", f16: true, s, 3, State, State);
        t.Random("encoder.conv2.bias", f16: false, 0.01f, 1, State);
        t.Ones("encoder.ln_post.weight", State);
        t.Zeros("encoder.ln_post.bias", State);
        WriteAttention(t, "encoder.blocks.0", "attn", s);
        t.Ones("encoder.blocks.0.mlp_ln.weight", State);
        t.Zeros("encoder.blocks.0.mlp_ln.bias", State);
        t.Random("encoder.blocks.0.mlp.0.weight", f16: true, s, State, 4 * State);
        t.Random("encoder.blocks.0.mlp.0.bias", f16: false, 0.01f, 4 * State);
        t.Random("encoder.blocks.0.mlp.2.weight", f16: true, s / 2, 4 * State, State);
        t.Zeros("encoder.blocks.0.mlp.2.bias", State);
    }

    private void WriteAttention(TensorWriter t, string block, string name, float outScale)
    {
        var s = 1f / MathF.Sqrt(State);
        t.Ones($"{block}.{name}_ln.weight", State);
        t.Zeros($"{block}.{name}_ln.bias", State);
        t.Random($"{block}.{name}.query.weight", f16: true, s, State, State);
        t.Random($"{block}.{name}.query.bias", f16: false, 0.01f, State);
        t.Random($"{block}.{name}.key.weight", f16: true, s, State, State);
        t.Random($"{block}.{name}.value.weight", f16: true, s, State, State);
        t.Random($"{block}.{name}.value.bias", f16: false, 0.01f, State);
        t.Random($"{block}.{name}.out.weight", f16: true, outScale, State, State);
        t.Zeros($"{block}.{name}.out.bias", State);
    }

    private void WriteDecoder(TensorWriter t, Random random)
    {
        var oneSecond = TimestampBegin + 50; // timestamps are 20 ms apart
        var german = Language(2); // whisper's language order: en, zh, de, …
        int[] chain = [StartOfTranscript, Language(0), german, Transcribe, TimestampBegin, WordTiny, WordWhisper, oneSecond, EndOfText];
        var embeddings = TensorWriter.RandomValues(random, Vocabulary * State, 0.02f);
        var vectors = OrthogonalVectors(random, chain.Length);
        var embedding = new Dictionary<int, float[]>();
        for (var i = 0; i < chain.Length; i++)
        {
            embedding[chain[i]] = vectors[i];
            Array.Copy(vectors[i], 0, embeddings, chain[i] * State, State);
        }

        // token → what the next token's logits should favour; the one-second timestamp repeats once, then ends the
        // text (after two timestamps in a row whisper.cpp allows no third, so end of text, second best, wins).
        (int From, float[] To)[] steps =
        [
            (StartOfTranscript, Multilingual ? embedding[german] : embedding[TimestampBegin]),
            (Transcribe, embedding[TimestampBegin]),
            (TimestampBegin, embedding[WordTiny]),
            (WordTiny, embedding[WordWhisper]),
            (WordWhisper, embedding[oneSecond]),
            (oneSecond, Plus(embedding[oneSecond], embedding[EndOfText], 0.5f)),
        ];

        t.Random("decoder.positional_embedding", f16: false, 0.01f, State, TextContext);
        t.Values("decoder.token_embedding.weight", f16: true, embeddings, State, Vocabulary);
        t.Ones("decoder.ln.weight", State);
        t.Zeros("decoder.ln.bias", State);
        WriteAttention(t, "decoder.blocks.0", "attn", 0.002f);
        WriteAttention(t, "decoder.blocks.0", "cross_attn", 0.002f);
        t.Ones("decoder.blocks.0.mlp_ln.weight", State);
        t.Zeros("decoder.blocks.0.mlp_ln.bias", State);

        var hidden = 4 * State;
        var up = TensorWriter.RandomValues(random, hidden * State, 0.01f);
        var upBias = new float[hidden];
        var down = TensorWriter.RandomValues(random, State * hidden, 0.001f);
        // Each key sees its token's embedding (norm √state) as √state; the bias of −√state/2 keeps every other
        // embedding (orthogonal: 0) far below zero, where GELU is 0.
        var threshold = MathF.Sqrt(State) / 2;
        var fired = Gelu(threshold);
        for (var unit = 0; unit < steps.Length; unit++)
        {
            var from = embedding[steps[unit].From];
            for (var d = 0; d < State; d++)
            {
                up[(unit * State) + d] = from[d] / MathF.Sqrt(State);
            }

            upBias[unit] = -threshold;
            for (var o = 0; o < State; o++)
            {
                down[(o * hidden) + unit] = (steps[unit].To[o] - from[o]) / fired;
            }
        }

        t.Values("decoder.blocks.0.mlp.0.weight", f16: true, up, State, hidden);
        t.Values("decoder.blocks.0.mlp.0.bias", f16: false, upBias, hidden);
        t.Values("decoder.blocks.0.mlp.2.weight", f16: true, down, hidden, State);
        t.Zeros("decoder.blocks.0.mlp.2.bias", State);
    }

    /// <summary>Random vectors made orthogonal to each other and to the all-ones vector (zero mean), of norm √state.</summary>
    private List<float[]> OrthogonalVectors(Random random, int count)
    {
        var basis = new List<float[]> { Enumerable.Repeat(1f / MathF.Sqrt(State), State).ToArray() };
        var vectors = new List<float[]>();
        for (var i = 0; i < count; i++)
        {
            var v = TensorWriter.RandomValues(random, State, 1f);
            foreach (var b in basis)
            {
                var dot = Dot(v, b);
                for (var d = 0; d < State; d++)
                {
                    v[d] -= dot * b[d];
                }
            }

            var norm = MathF.Sqrt(Dot(v, v));
            for (var d = 0; d < State; d++)
            {
                v[d] /= norm;
            }

            basis.Add((float[])v.Clone());
            for (var d = 0; d < State; d++)
            {
                v[d] *= MathF.Sqrt(State);
            }

            vectors.Add(v);
        }

        return vectors;
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static float[] Plus(float[] a, float[] b, float scale) => a.Select((x, i) => x + (scale * b[i])).ToArray();

    /// <summary>ggml's GELU (the tanh form).</summary>
    private static float Gelu(float x) => 0.5f * x * (1 + MathF.Tanh(0.7978845608f * (x + (0.044715f * x * x * x))));

    private sealed class TensorWriter(BinaryWriter writer, Random random)
    {
        public static float[] RandomValues(Random random, int count, float scale)
        {
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = (float)(((random.NextDouble() * 2) - 1) * scale);
            }

            return values;
        }

        public void Random(string name, bool f16, float scale, params int[] dims) => Values(name, f16, RandomValues(random, Count(dims), scale), dims);

        public void Ones(string name, int length) => Values(name, f16: false, Enumerable.Repeat(1f, length).ToArray(), length);

        public void Zeros(string name, params int[] dims) => Values(name, f16: false, new float[Count(dims)], dims);

        public void Values(string name, bool f16, float[] values, params int[] dims)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name);
            writer.Write(dims.Length);
            writer.Write(nameBytes.Length);
            writer.Write(f16 ? 1 : 0);
            foreach (var dim in dims)
            {
                writer.Write(dim);
            }

            writer.Write(nameBytes);
            foreach (var value in values)
            {
                if (f16)
                {
                    writer.Write((Half)value);
                }
                else
                {
                    writer.Write(value);
                }
            }
        }

        private static int Count(int[] dims) => dims.Aggregate(1, (a, b) => a * b);
    }
}
