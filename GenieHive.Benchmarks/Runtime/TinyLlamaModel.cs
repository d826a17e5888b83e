namespace GenieHive.Benchmarks.Runtime;

/// <summary>
/// Random-weight llama models written with <see cref="GgufWriter"/>: real to llama.cpp (tokenizer, chat template,
/// sampling, contexts), gibberish as text. The vocabulary is a byte-fallback SentencePiece one of 398 tokens:
/// &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, the ChatML markers, then letters, digits, punctuation
/// and English words. The output rows of every token but the printable pieces are zero, so greedy decoding writes
/// words and never ends a completion by itself (<c>max_tokens</c> and <c>stop</c> do).
/// </summary>
internal sealed record TinyLlamaModel(int Embedding, int Layers, int Heads, int FeedForward, int ContextLength, int Seed = 7)
{
    /// <summary>64 dimensions, 2 layers: about 0.5 MB, hundreds of tokens per second.</summary>
    public static TinyLlamaModel Tiny { get; } = new(64, 2, 4, 128, 2048);

    /// <summary>A few tens of millions of parameters (about 100 MB, F32): tens of tokens per second on a loaded CPU.</summary>
    public static TinyLlamaModel Slower { get; } = new(512, 8, 8, 1536, 2048);

    public const string ChatMlTemplate =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
        + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    private static readonly string[] Words =
    [
        "the", "a", "cat", "sat", "on", "mat", "dog", "ran", "to", "park", "and", "then", "it", "was", "warm", "sun", "sky", "blue",
        "green", "tree", "bird", "song", "river", "stone", "hill", "house", "door", "window", "light", "dark", "night", "day", "time",
        "small", "large", "old", "new", "red", "fast", "slow", "quiet", "loud", "happy", "sad", "bright", "cold", "hot", "soft", "hard",
        "water", "fire", "earth", "wind", "rain", "snow", "cloud", "star", "moon", "road", "path", "field", "flower", "leaf", "root",
        "bread", "milk", "cheese", "apple", "pear", "plum", "grape", "lemon", "honey", "salt", "sugar", "tea", "cup", "plate", "bowl",
        "chair", "table", "bed", "book", "page", "word", "line", "story", "song", "dance", "game", "ball", "kite", "boat", "ship", "train",
    ];

    public static IReadOnlyList<string> Vocabulary { get; } = BuildVocabulary();

    /// <summary>Index of the first printable piece; every token before it has a zero output row.</summary>
    public const int FirstPiece = 261;

    public long ParameterCount =>
        ((long)Vocabulary.Count * Embedding * 2) + Embedding
        + (Layers * ((4L * Embedding * Embedding) + (3L * Embedding * FeedForward) + (2L * Embedding)));

    public string Write(string path, Action<GgufWriter>? extra = null)
    {
        var random = new Random(Seed);
        var n = (ulong)Embedding;
        var vocab = (ulong)Vocabulary.Count;
        var writer = new GgufWriter()
            .String("general.architecture", "llama")
            .String("general.name", "geniehive-test-llama")
            .UInt32("general.file_type", 0)
            .UInt32("general.alignment", 32)
            .UInt32("llama.context_length", (uint)ContextLength)
            .UInt32("llama.embedding_length", (uint)Embedding)
            .UInt32("llama.block_count", (uint)Layers)
            .UInt32("llama.feed_forward_length", (uint)FeedForward)
            .UInt32("llama.attention.head_count", (uint)Heads)
            .UInt32("llama.attention.head_count_kv", (uint)Heads)
            .UInt32("llama.rope.dimension_count", (uint)(Embedding / Heads))
            .Float32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .String("tokenizer.ggml.model", "llama")
            .Strings("tokenizer.ggml.tokens", Vocabulary)
            .Floats("tokenizer.ggml.scores", Vocabulary.Select((_, i) => i < FirstPiece ? 0f : -i).ToList())
            .Int32s("tokenizer.ggml.token_type", Vocabulary.Select((_, i) => i switch
            {
                0 => 2, // unknown
                1 or 2 or 259 or 260 => 3, // control
                < 259 => 6, // byte
                _ => 1, // normal
            }).ToList())
            .UInt32("tokenizer.ggml.bos_token_id", 1)
            .UInt32("tokenizer.ggml.eos_token_id", 2)
            .UInt32("tokenizer.ggml.unknown_token_id", 0)
            .Bool("tokenizer.ggml.add_bos_token", true)
            .String("tokenizer.chat_template", ChatMlTemplate);
        extra?.Invoke(writer);

        writer.Tensor("token_embd.weight", Random(random, Embedding * Vocabulary.Count, 1.0f), n, vocab);
        for (var layer = 0; layer < Layers; layer++)
        {
            var scale = 1.0f / MathF.Sqrt(Embedding);
            var ffScale = 1.0f / MathF.Sqrt(FeedForward);
            writer.Tensor($"blk.{layer}.attn_norm.weight", Ones(Embedding), n)
                .Tensor($"blk.{layer}.attn_q.weight", Random(random, Embedding * Embedding, scale), n, n)
                .Tensor($"blk.{layer}.attn_k.weight", Random(random, Embedding * Embedding, scale), n, n)
                .Tensor($"blk.{layer}.attn_v.weight", Random(random, Embedding * Embedding, scale), n, n)
                .Tensor($"blk.{layer}.attn_output.weight", Random(random, Embedding * Embedding, scale), n, n)
                .Tensor($"blk.{layer}.ffn_norm.weight", Ones(Embedding), n)
                .Tensor($"blk.{layer}.ffn_gate.weight", Random(random, Embedding * FeedForward, scale), n, (ulong)FeedForward)
                .Tensor($"blk.{layer}.ffn_up.weight", Random(random, Embedding * FeedForward, scale), n, (ulong)FeedForward)
                .Tensor($"blk.{layer}.ffn_down.weight", Random(random, Embedding * FeedForward, ffScale), (ulong)FeedForward, n);
        }

        writer.Tensor("output_norm.weight", Ones(Embedding), n);
        var output = Random(random, Embedding * Vocabulary.Count, 1.0f);
        Array.Clear(output, 0, FirstPiece * Embedding);
        writer.Tensor("output.weight", output, n, vocab);
        writer.Save(path);
        return path;
    }

    private static List<string> BuildVocabulary()
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        for (var b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
        }

        tokens.Add("<|im_start|>");
        tokens.Add("<|im_end|>");
        tokens.Add("\u2581");
        for (var c = 'a'; c <= 'z'; c++)
        {
            tokens.Add(c.ToString());
        }

        for (var c = '0'; c <= '9'; c++)
        {
            tokens.Add(c.ToString());
        }

        tokens.AddRange([".", ",", "!", "?"]);
        foreach (var word in Words.Distinct())
        {
            tokens.Add("\u2581" + word);
        }

        var filler = 0;
        while (tokens.Count < 398)
        {
            tokens.Add("\u2581w" + filler++);
        }

        return tokens;
    }

    private static float[] Ones(int count) => Enumerable.Repeat(1f, count).ToArray();

    private static float[] Random(Random random, int count, float scale)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }
}
