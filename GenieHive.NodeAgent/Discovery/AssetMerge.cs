using GenieHive.NodeAgent.Protocol;

namespace GenieHive.NodeAgent.Discovery;

/// <summary>
/// routing.md "Discovery" merge: configured assets first, in order, a discovered one taking the discovered
/// <c>loaded</c> and keeping its other fields; new discovered assets appended; nothing discovered → unchanged.
/// </summary>
internal static class AssetMerge
{
    public static IReadOnlyList<Asset> Merge(IReadOnlyList<Asset> configured, IReadOnlyList<Asset>? discovered)
    {
        if (discovered is null || discovered.Count == 0)
        {
            return configured;
        }

        var byId = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var asset in discovered)
        {
            byId.TryAdd(asset.AssetId, asset);
        }

        var merged = new List<Asset>(configured.Count + discovered.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var asset in configured)
        {
            seen.Add(asset.AssetId);
            merged.Add(byId.TryGetValue(asset.AssetId, out var found) ? asset with { Loaded = found.Loaded } : asset);
        }

        foreach (var asset in discovered)
        {
            if (seen.Add(asset.AssetId))
            {
                merged.Add(asset);
            }
        }

        return merged;
    }
}
