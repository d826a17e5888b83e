using System.Collections.Concurrent;

namespace GenieHive.Control.Auth;

/// <summary>
/// The raw node key each host last registered or heartbeated with, held in memory only, so the control plane can call
/// that node's agent (api.md §6.2a: load and unload). The registry stores only the key's digest; this copy is never
/// written to SQLite, logs, traces or responses, and is gone when the process ends (until the host's next call).
/// Only a key that passed the node-key check and the host's binding (D19) is kept: the one the host already owns.
/// </summary>
public sealed class NodeKeyVault
{
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);

    public void Remember(string hostId, string key) => _keys[hostId] = key;

    public string? Find(string hostId) => _keys.GetValueOrDefault(hostId);

    public void Forget(string hostId) => _keys.TryRemove(hostId, out _);
}
