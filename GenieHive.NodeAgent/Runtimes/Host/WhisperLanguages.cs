using System.Collections.Frozen;

namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// The languages whisper knows, by code (what the native library takes and reports) and by English name (what
/// OpenAI's verbose_json reports, and what some clients send as <c>language</c>).
/// </summary>
internal static class WhisperLanguages
{
    private static readonly (string Code, string Name)[] All =
    [
        ("en", "english"), ("zh", "chinese"), ("de", "german"), ("es", "spanish"), ("ru", "russian"), ("ko", "korean"),
        ("fr", "french"), ("ja", "japanese"), ("pt", "portuguese"), ("tr", "turkish"), ("pl", "polish"), ("ca", "catalan"),
        ("nl", "dutch"), ("ar", "arabic"), ("sv", "swedish"), ("it", "italian"), ("id", "indonesian"), ("hi", "hindi"),
        ("fi", "finnish"), ("vi", "vietnamese"), ("he", "hebrew"), ("uk", "ukrainian"), ("el", "greek"), ("ms", "malay"),
        ("cs", "czech"), ("ro", "romanian"), ("da", "danish"), ("hu", "hungarian"), ("ta", "tamil"), ("no", "norwegian"),
        ("th", "thai"), ("ur", "urdu"), ("hr", "croatian"), ("bg", "bulgarian"), ("lt", "lithuanian"), ("la", "latin"),
        ("mi", "maori"), ("ml", "malayalam"), ("cy", "welsh"), ("sk", "slovak"), ("te", "telugu"), ("fa", "persian"),
        ("lv", "latvian"), ("bn", "bengali"), ("sr", "serbian"), ("az", "azerbaijani"), ("sl", "slovenian"), ("kn", "kannada"),
        ("et", "estonian"), ("mk", "macedonian"), ("br", "breton"), ("eu", "basque"), ("is", "icelandic"), ("hy", "armenian"),
        ("ne", "nepali"), ("mn", "mongolian"), ("bs", "bosnian"), ("kk", "kazakh"), ("sq", "albanian"), ("sw", "swahili"),
        ("gl", "galician"), ("mr", "marathi"), ("pa", "punjabi"), ("si", "sinhala"), ("km", "khmer"), ("sn", "shona"),
        ("yo", "yoruba"), ("so", "somali"), ("af", "afrikaans"), ("oc", "occitan"), ("ka", "georgian"), ("be", "belarusian"),
        ("tg", "tajik"), ("sd", "sindhi"), ("gu", "gujarati"), ("am", "amharic"), ("yi", "yiddish"), ("lo", "lao"),
        ("uz", "uzbek"), ("fo", "faroese"), ("ht", "haitian creole"), ("ps", "pashto"), ("tk", "turkmen"), ("nn", "nynorsk"),
        ("mt", "maltese"), ("sa", "sanskrit"), ("lb", "luxembourgish"), ("my", "myanmar"), ("bo", "tibetan"), ("tl", "tagalog"),
        ("mg", "malagasy"), ("as", "assamese"), ("tt", "tatar"), ("haw", "hawaiian"), ("ln", "lingala"), ("ha", "hausa"),
        ("ba", "bashkir"), ("jw", "javanese"), ("su", "sundanese"), ("yue", "cantonese"),
    ];

    private static readonly FrozenDictionary<string, string> NameByCode = All.ToFrozenDictionary(l => l.Code, l => l.Name, StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> CodeByName = All.ToFrozenDictionary(l => l.Name, l => l.Code, StringComparer.Ordinal);

    /// <summary>The code of a <c>language</c> part: a code or an English name, in any case; null when whisper does not know it.</summary>
    public static string? Code(string language)
    {
        var key = language.Trim().ToLowerInvariant();
        return NameByCode.ContainsKey(key) ? key : CodeByName.GetValueOrDefault(key);
    }

    /// <summary>The English name of a code the native library reports (the code itself for one this table lacks).</summary>
    public static string Name(string code) => NameByCode.GetValueOrDefault(code, code);
}
