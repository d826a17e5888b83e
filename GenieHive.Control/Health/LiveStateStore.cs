using System.Collections.Concurrent;

namespace GenieHive.Control.Health;

/// <summary>Live state by <c>service_id</c>, in memory only (config.md §6 "Memory only").</summary>
public sealed class LiveStateStore
{
    private readonly ConcurrentDictionary<string, ServiceLiveState> _states = new(StringComparer.Ordinal);
    private readonly Func<string, ServiceLiveState> _create;
    private long _version;

    public LiveStateStore() => _create = _ => new ServiceLiveState(this);

    /// <summary>
    /// Increases whenever a state of this store changes in a way gates 4 and 6 can see (probe verdict, circuit,
    /// trial slot, <c>Retry-After</c> hold) or a state is dropped; not on in-flight counts or failure counts below
    /// the threshold. Lets route resolution reuse its gate results until something changed (routing docs).
    /// </summary>
    public long Version => Volatile.Read(ref _version);

    public ServiceLiveState Get(string serviceId) => _states.GetOrAdd(serviceId, _create);

    internal void Changed() => Interlocked.Increment(ref _version);

    public ServiceLiveState? Find(string serviceId) => _states.TryGetValue(serviceId, out var state) ? state : null;

    /// <summary>Drops the state of services that no longer exist (called by the writer after a publish).</summary>
    public void Retain(IReadOnlySet<string> serviceIds)
    {
        foreach (var key in _states.Keys)
        {
            if (!serviceIds.Contains(key))
            {
                _states.TryRemove(key, out _);
                Changed();
            }
        }
    }
}
