namespace GenieHive.Control.Health;

/// <summary>
/// The control plane's own live view of one service (D9, D18): in-flight count, passive health (closed / open /
/// half-open with one trial slot), <c>Retry-After</c> holds, the last active-probe verdict and whether the service
/// refuses stream-usage injection. Keyed by <c>service_id</c> in <see cref="LiveStateStore"/>; it outlives a
/// heartbeat's replacement of the host's services. Thread-safe; the counters are lock-free, transitions take a
/// small lock (they happen once per attempt outcome, not per byte).
/// </summary>
public sealed class ServiceLiveState
{
    public const int FailureThreshold = 3;
    public const double CooldownSeconds = 30;
    public const double MaxRetryAfterHoldSeconds = 30;

    private readonly Lock _gate = new();
    private int _inFlight;
    private int _consecutiveFailures;
    private CircuitState _circuit = CircuitState.Closed;
    private double _cooldownUntil;   // circuit open until (Unix s); 0 = none
    private double _holdUntil;       // Retry-After hold until (Unix s); 0 = none
    private int _trialTaken;         // half-open trial slot (0/1)
    private volatile ProbeVerdict _probe = ProbeVerdict.Unknown;
    private volatile bool _refusesStreamUsage;
    private volatile bool _quiet = true;     // circuit closed and no Retry-After hold: gate 6 passes without the lock

    public int InFlight => Volatile.Read(ref _inFlight);

    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

    public ProbeVerdict Probe
    {
        get => _probe;
        set => _probe = value;
    }

    /// <summary>The service answered 400/422 to an injected <c>stream_options.include_usage</c> (routing.md step 7).</summary>
    public bool RefusesStreamUsage
    {
        get => _refusesStreamUsage;
        set => _refusesStreamUsage = value;
    }

    public void EnterAttempt() => Interlocked.Increment(ref _inFlight);

    public void ExitAttempt() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The circuit as of <paramref name="now"/> (open turns half-open at its cooldown end).</summary>
    public CircuitState Circuit(double now)
    {
        lock (_gate)
        {
            return Advance(now);
        }
    }

    /// <summary>
    /// <see cref="Check"/> without the lock in the common case (closed circuit, no hold), for resolving against
    /// many services. A transition racing with the read is seen by the next resolution, as with a lock taken a
    /// moment earlier; the proxy's <see cref="TryBeginAttempt"/> stays the authority.
    /// </summary>
    public PassiveGate Peek(double now) => _quiet ? PassiveGate.Pass : Check(now);

    /// <summary>Gate 6 in <c>peek</c> mode: never takes the trial slot.</summary>
    public PassiveGate Check(double now)
    {
        lock (_gate)
        {
            if (_holdUntil > now)
            {
                return PassiveGate.CoolingDown;
            }

            ClearExpiredHold(now);
            return Advance(now) switch
            {
                CircuitState.Open => PassiveGate.CoolingDown,
                CircuitState.HalfOpen when _trialTaken != 0 => PassiveGate.TrialInFlight,
                _ => PassiveGate.Pass,
            };
        }
    }

    /// <summary>
    /// Called when an attempt on the service is about to start: false when the service is cooling down or its
    /// half-open trial slot is taken, so the caller moves to the next candidate.
    /// </summary>
    public bool TryBeginAttempt(double now, out bool isTrial)
    {
        lock (_gate)
        {
            isTrial = false;
            if (_holdUntil > now)
            {
                return false;
            }

            ClearExpiredHold(now);

            switch (Advance(now))
            {
                case CircuitState.Open:
                    return false;
                case CircuitState.HalfOpen:
                    if (_trialTaken != 0)
                    {
                        return false;
                    }

                    _trialTaken = 1;
                    isTrial = true;
                    return true;
                default:
                    return true;
            }
        }
    }

    /// <summary>The earliest time (Unix s) this service can be routed again, or null when it is not held.</summary>
    public double? CooldownUntil(double now)
    {
        lock (_gate)
        {
            var circuit = Advance(now);
            var until = Math.Max(circuit == CircuitState.Open ? _cooldownUntil : 0, _holdUntil > now ? _holdUntil : 0);
            return until > 0 ? until : null;
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
            _circuit = CircuitState.Closed;
            _cooldownUntil = 0;
            _trialTaken = 0;
            UpdateQuiet();
        }
    }

    /// <summary>A failure of D9 (connect error, timeout, 5xx, backend auth error; never a client abort).</summary>
    public void RecordFailure(double now)
    {
        lock (_gate)
        {
            var circuit = Advance(now);
            _consecutiveFailures++;
            if (circuit == CircuitState.HalfOpen || _consecutiveFailures >= FailureThreshold)
            {
                _circuit = CircuitState.Open;
                _cooldownUntil = now + CooldownSeconds;
            }

            _trialTaken = 0;
            UpdateQuiet();
        }
    }

    /// <summary>The outcome says nothing about the service (client abort, relayed 4xx): frees a trial slot.</summary>
    public void RecordNeutral()
    {
        lock (_gate)
        {
            _trialTaken = 0;
        }
    }

    /// <summary>An upstream 4xx other than 401/403/407/429: not a failure, but it resets the counter (routing.md).</summary>
    public void RecordNonFailure() => RecordSuccess();

    /// <summary>A 429/503 <c>Retry-After</c>: hold the service out of routing until then, at most 30 s.</summary>
    public void HoldUntil(double now, double retryAfterSeconds)
    {
        var until = now + Math.Min(Math.Max(retryAfterSeconds, 0), MaxRetryAfterHoldSeconds);
        lock (_gate)
        {
            _holdUntil = Math.Max(_holdUntil, until);
            UpdateQuiet();
        }
    }

    private void ClearExpiredHold(double now)
    {
        if (_holdUntil != 0 && _holdUntil <= now)
        {
            _holdUntil = 0;
            UpdateQuiet();
        }
    }

    private void UpdateQuiet() => _quiet = _circuit == CircuitState.Closed && _holdUntil == 0;

    private CircuitState Advance(double now)
    {
        if (_circuit == CircuitState.Open && now >= _cooldownUntil)
        {
            _circuit = CircuitState.HalfOpen;
            _trialTaken = 0;
        }

        return _circuit;
    }
}

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

public enum PassiveGate
{
    Pass,
    CoolingDown,
    TrialInFlight,
}

public enum ProbeVerdict
{
    Unknown,
    Healthy,
    Unhealthy,
}
