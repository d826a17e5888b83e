using System.Collections.Concurrent;

namespace GenieHive.Control.Health;

/// <summary>Live state by <c>service_id</c>, in memory only (config.md §6 "Memory only").</summary>
public sealed class LiveStateStore
{
    private readonly ConcurrentDictionary<string, ServiceLiveState> _states = new(StringComparer.Ordinal);

    public ServiceLiveState Get(string serviceId) => _states.GetOrAdd(serviceId, static _ => new ServiceLiveState());

    public ServiceLiveState? Find(string serviceId) => _states.TryGetValue(serviceId, out var state) ? state : null;

    /// <summary>Drops the state of services that no longer exist (called by the writer after a publish).</summary>
    public void Retain(IReadOnlySet<string> serviceIds)
    {
        foreach (var key in _states.Keys)
        {
            if (!serviceIds.Contains(key))
            {
                _states.TryRemove(key, out _);
            }
        }
    }
}
