namespace GenieHive.NodeAgent.Inventory;

/// <summary>
/// The latest <see cref="InventorySnapshot"/>, swapped by one reference assignment: heartbeats and the node API read it
/// without waiting on discovery (D18).
/// </summary>
internal sealed class InventoryState(InventorySnapshot initial)
{
    private readonly TaskCompletionSource _firstRun = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile InventorySnapshot _current = initial;

    public InventorySnapshot Current => _current;

    /// <summary>Completes after the first discovery run (registration waits for it, routing.md "Discovery").</summary>
    public Task FirstRun => _firstRun.Task;

    public void Publish(InventorySnapshot next)
    {
        _current = next;
        _firstRun.TrySetResult();
    }
}
