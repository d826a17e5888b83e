using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>The model id written upstream and the target asset of request policy (routing.md).</summary>
public static class UpstreamModel
{
    /// <summary><c>id</c> if it is an asset id of the service; else the first loaded asset id; else the first asset id; else <c>id</c>.</summary>
    public static string IdFor(ServiceRecord service, string requestedId) =>
        TargetAsset(service, requestedId)?.AssetId ?? requestedId;

    /// <summary>Target asset A: the asset with id = requested id; else the first loaded; else the first; else none.</summary>
    public static AssetRecord? TargetAsset(ServiceRecord service, string requestedId)
    {
        ArgumentNullException.ThrowIfNull(service);
        foreach (var asset in service.Assets)
        {
            if (asset.AssetId == requestedId)
            {
                return asset;
            }
        }

        foreach (var asset in service.Assets)
        {
            if (asset.Loaded)
            {
                return asset;
            }
        }

        return service.Assets.IsDefaultOrEmpty ? null : service.Assets[0];
    }
}
