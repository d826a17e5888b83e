namespace GenieHive.Control.Routing;

/// <summary>Holds the current <see cref="RoutingTable"/>: one volatile read on the request path, one swap by the writer.</summary>
public sealed class RoutingTableHolder
{
    private volatile RoutingTable _current = RoutingTable.Empty;

    public RoutingTable Current => _current;

    /// <summary>Raised after a new table is published (off the request path).</summary>
    public event Action<RoutingTable>? Published;

    public void Publish(RoutingTable next)
    {
        _current = next;
        Published?.Invoke(next);
    }
}
