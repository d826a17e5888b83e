using GenieHive.NodeAgent.Configuration;
using GenieHive.ServiceDefaults.Errors;

namespace GenieHive.NodeAgent.Runtimes;

/// <summary>
/// The node's memory budget for served models (docs/runtimes.md "Memory budget"): RAM for <c>device: cpu</c>, VRAM for
/// <c>device: gpu</c>. A model about to load is counted at its estimate; a loaded CPU model at its process's measured
/// resident memory. When the estimate does not fit, the least recently used idle models of the same device are
/// unloaded until it does; when it cannot fit even then, the load is refused with 503 <c>insufficient_memory</c>.
/// Decisions are serialised, so two loads never both take the same free memory.
/// </summary>
internal sealed class MemoryBudget : IDisposable
{
    /// <summary>A runtime host's base cost before one has been measured (the .NET runtime and the engine's natives).</summary>
    public const long DefaultHostOverheadBytes = 48L << 20;

    private readonly SemaphoreSlim _decide = new(1, 1);
    private readonly Dictionary<string, long> _learnedOverhead = new(StringComparer.Ordinal);
    private readonly List<RuntimeService> _services = [];

    public MemoryBudget(RuntimeBudgetConfig config)
    {
        RamBytes = config.EffectiveRamBytes;
        VramBytes = config.VramBytes;
    }

    public long RamBytes { get; }

    public long? VramBytes { get; }

    public void Add(RuntimeService service) => _services.Add(service);

    public void Dispose() => _decide.Dispose();

    public long? BudgetBytes(string device) => device == RuntimeConfig.Gpu ? VramBytes : RamBytes;

    /// <summary>What the models of <paramref name="device"/> take now: loaded and loading ones.</summary>
    public long UsedBytes(string device)
    {
        long used = 0;
        foreach (var service in _services)
        {
            if (service.Model.Entry.Device == device)
            {
                used += service.UsageBytes;
            }
        }

        return used;
    }

    /// <summary>The base cost of a process of this engine: the largest seen (measured minus file and KV), else the default.</summary>
    public long OverheadBytes(string engine)
    {
        lock (_learnedOverhead)
        {
            return _learnedOverhead.TryGetValue(engine, out var bytes) ? bytes : engine == RuntimeConfig.Process ? 0 : DefaultHostOverheadBytes;
        }
    }

    /// <summary>After a load: the measured memory teaches the engine's base cost, for the next estimates.</summary>
    public void Learn(RuntimeModel model, long measuredBytes)
    {
        if (model.Entry.MemoryMb is not null)
        {
            return;
        }

        var overhead = measuredBytes - model.EstimateBytes(0);
        lock (_learnedOverhead)
        {
            if (overhead > 0 && (!_learnedOverhead.TryGetValue(model.Entry.Engine, out var known) || overhead > known))
            {
                _learnedOverhead[model.Entry.Engine] = overhead;
            }
        }
    }

    /// <summary>
    /// Reserves room for <paramref name="service"/>'s load, evicting least recently used idle models of its device
    /// as needed; null when reserved, else the 503 to answer.
    /// </summary>
    public async Task<ApiError?> ReserveAsync(RuntimeService service, CancellationToken cancellationToken)
    {
        var device = service.Model.Entry.Device;
        if (BudgetBytes(device) is not { } budget)
        {
            service.Reserve(0);
            return null;
        }

        await _decide.WaitAsync(cancellationToken);
        try
        {
            var need = service.Model.EstimateBytes(OverheadBytes(service.Model.Entry.Engine));
            if (need > budget)
            {
                return Refuse(service, need, budget, 0);
            }

            while (true)
            {
                var used = UsedBytes(device);
                if (used + need <= budget)
                {
                    service.Reserve(need);
                    return null;
                }

                var victim = LeastRecentlyUsedIdle(service, device);
                if (victim is null)
                {
                    return Refuse(service, need, budget, used);
                }

                // Not evicted after all when a request reached it meanwhile: the next one is tried.
                await victim.EvictAsync();
            }
        }
        finally
        {
            _decide.Release();
        }
    }

    private RuntimeService? LeastRecentlyUsedIdle(RuntimeService requester, string device)
    {
        RuntimeService? oldest = null;
        foreach (var candidate in _services)
        {
            if (!ReferenceEquals(candidate, requester) && candidate.Model.Entry.Device == device && candidate.IsEvictable
                && (oldest is null || candidate.LastUsedTicks < oldest.LastUsedTicks))
            {
                oldest = candidate;
            }
        }

        return oldest;
    }

    private static ApiError Refuse(RuntimeService service, long need, long budget, long used) =>
        new(503, $"'{service.Model.AssetId}' needs about {Mib(need)} MiB; the node's {service.Model.Entry.Device} budget is {Mib(budget)} MiB " +
            $"and {Mib(used)} MiB is held by models in use.", ErrorCodes.InsufficientMemory);

    private static long Mib(long bytes) => (bytes + (1 << 19)) >> 20;
}
