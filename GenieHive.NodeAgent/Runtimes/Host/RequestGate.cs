namespace GenieHive.NodeAgent.Runtimes.Host;

/// <summary>
/// Admission to a model: <c>parallel</c> requests run at once, <c>queue</c> more wait, and one beyond that is
/// refused at once (429 <c>rate_limited</c> with <c>Retry-After</c>), so that the control plane fails over instead of
/// stacking requests behind a busy CPU.
/// </summary>
internal sealed class RequestGate(int parallel, int queue) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(parallel, parallel);
    private int _admitted;

    public int InFlight => Math.Min(Volatile.Read(ref _admitted), parallel);

    public int Waiting => Math.Max(0, Volatile.Read(ref _admitted) - parallel);

    /// <summary>A slot, or null when running and waiting requests already fill <c>parallel + queue</c>.</summary>
    public async Task<Lease?> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > parallel + queue)
        {
            Interlocked.Decrement(ref _admitted);
            return null;
        }

        try
        {
            await _slots.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }

        return new Lease(this);
    }

    public void Dispose() => _slots.Dispose();

    private void Leave()
    {
        _slots.Release();
        Interlocked.Decrement(ref _admitted);
    }

    internal sealed class Lease(RequestGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Leave();
            }
        }
    }
}
