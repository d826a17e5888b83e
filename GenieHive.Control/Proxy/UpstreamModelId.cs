using GenieHive.Control.Registry;

namespace GenieHive.Control.Proxy;

/// <summary>
/// routing.md "Upstream model id": the requested id if it is an asset id of the service; else its first loaded
/// asset id; else its first asset id; else the requested id.
/// </summary>
internal static class UpstreamModelId
{
    public static string For(ServiceRecord service, string requestedId)
    {
        string? firstLoaded = null;
        foreach (var asset in service.Assets)
        {
            if (string.Equals(asset.AssetId, requestedId, StringComparison.Ordinal))
            {
                return requestedId;
            }

            if (firstLoaded is null && asset.Loaded)
            {
                firstLoaded = asset.AssetId;
            }
        }

        return firstLoaded ?? (service.Assets.IsDefaultOrEmpty ? requestedId : service.Assets[0].AssetId);
    }
}
