using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>GGUF files under <c>inventory.model_roots</c>, recursively; missing folders are skipped (config.md §2.2).</summary>
internal static class ModelRootScanner
{
    public static IReadOnlyList<DiscoveredModel> Scan(IReadOnlyList<string> roots)
    {
        var found = new List<DiscoveredModel>();
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            MatchCasing = MatchCasing.CaseInsensitive,
        };
        foreach (var root in roots)
        {
            var full = Path.GetFullPath(root);
            if (!Directory.Exists(full))
            {
                continue;
            }

            foreach (var file in Directory.EnumerateFiles(full, "*.gguf", options))
            {
                var relative = Path.GetRelativePath(full, file);
                found.Add(new DiscoveredModel(Path.Combine(root, relative), Path.GetFileName(file), new FileInfo(file).Length));
            }
        }

        found.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return found;
    }
}
