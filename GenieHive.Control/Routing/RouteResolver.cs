using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;

namespace GenieHive.Control.Routing;

/// <summary>
/// Resolves a requested id (service id, asset id or role id) to a route on one snapshot (routing.md "Route
/// resolution"): direct first, then the role with its gates, soft filters and strategy, then fallback roles; the
/// failure table when nothing matches. Thread-safe singleton. The only state it owns is the round-robin counters
/// (per requested id, in memory), which move once per <see cref="ResolveMode.Take"/> and never on
/// <see cref="ResolveMode.Peek"/> (D3).
/// </summary>
/// <remarks>
/// The hot path allocates only the result: candidate lists are precomputed per snapshot (<see cref="RouteIndex"/>),
/// per-request work happens in thread-local buffers, and live state is read through a per-snapshot array.
/// </remarks>
public sealed partial class RouteResolver(LiveStateStore liveStates, TimeProvider time)
{
    private const string DirectHeader = "direct";

    [ThreadStatic]
    private static Scratch? t_scratch;

    private readonly ConcurrentDictionary<string, StrongBox<long>> _counters = new(StringComparer.Ordinal);

    /// <summary>
    /// Resolves <paramref name="id"/> once. Proxies pass the request's operation and <see cref="ResolveMode.Take"/>
    /// (exactly once per proxied request, not per failover attempt); read-only callers pass <see cref="ResolveMode.Peek"/>.
    /// </summary>
    public RouteResolution Resolve(RoutingTable table, string id, string? operation, ResolveMode mode) =>
        ResolveCore(table, id, operation, mode, checkPassive: true, explain: null);

    /// <summary>
    /// Resolves in peek mode and explains it (D10): the same route <see cref="Resolve"/> would give in peek mode.
    /// <see cref="RouteExplain"/> is null when the resolution is an error.
    /// </summary>
    public (RouteResolution Resolution, RouteExplain? Explain) Explain(RoutingTable table, string id, string? operation)
    {
        ArgumentNullException.ThrowIfNull(table);
        var level = new ExplainLevel();
        var resolution = ResolveCore(table, id, operation, ResolveMode.Peek, checkPassive: true, level);
        if (resolution.IsError)
        {
            return (resolution, null);
        }

        var explain = new RouteExplain
        {
            Requested = id,
            Operation = resolution.Operation,
            Route = resolution.RouteHeader,
            Strategy = resolution.MatchType == "direct" ? "direct" : NormalizeStrategy(table.Settings.Strategy),
            Level = level,
            AttemptOrder = [.. resolution.AttemptOrder.Select(s => s.ServiceId)],
        };
        return (resolution, explain);
    }

    /// <summary>The live-state store gates 4 and 6 read.</summary>
    internal LiveStateStore LiveStates => liveStates;

    /// <summary>The round-robin counter of <paramref name="id"/> (0 before the first take).</summary>
    public long CounterValue(string id) => _counters.TryGetValue(id, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Now in Unix seconds from the injected clock.</summary>
    public double Now() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>
    /// The direct-resolution pick for <c>/v1/models</c>: like peek, but passive health (gate 6) is ignored so a
    /// cooling-down service stays listed (api.md §2.1).
    /// </summary>
    internal RouteResolution ResolveForListing(RoutingTable table, string id, string? operation) =>
        ResolveCore(table, id, operation, ResolveMode.Peek, checkPassive: false, explain: null);

    internal static string NormalizeStrategy(string strategy) =>
        strategy is Strategies.RoundRobin or Strategies.LeastLoaded ? strategy : Strategies.Scored;

    private RouteResolution ResolveCore(
        RoutingTable table, string id, string? operation, ResolveMode mode, bool checkPassive, ExplainLevel? explain)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(id);
        var index = table.Index;
        var scratch = t_scratch ??= new Scratch();
        scratch.Reset(index.Facts.Length);
        var context = new Context(
            table, index, index.LiveStates(liveStates), Now(), table.Settings.HealthStaleAfterSeconds,
            NormalizeStrategy(table.Settings.Strategy), checkPassive, scratch);
        try
        {
            if (index.Direct.TryGetValue(id, out var direct))
            {
                var passing = CollectDirect(ref context, direct, operation);
                if (passing > 0)
                {
                    AppendDirect(ref context, id, passing, mode, via: null, explain);
                    if (explain is not null)
                    {
                        ExplainDirectExclusions(ref context, direct, operation, explain);
                    }

                    return BuildResult(ref context, "direct", operation ?? scratch.AccFacts(index, 0).Service.Kind, role: null, route: null);
                }
            }

            if (index.Roles.TryGetValue(id, out var roleRoute))
            {
                var role = roleRoute.Role;
                if (operation is not null && operation != role.Operation)
                {
                    return new RouteResolution
                    {
                        Error = RouteErrors.OperationMismatch(id, role.Operation, operation),
                        MatchType = "role",
                        Operation = operation,
                        Role = role,
                    };
                }

                scratch.Visited.Add(id);
                AppendRole(ref context, roleRoute, mode, via: null, explain);
                var result = BuildResult(ref context, "role", role.Operation, role, roleRoute);
                return result.Service is null
                    ? result with { RetryAfterSeconds = RoleRetryAfter(ref context, role) }
                    : result;
            }

            return DirectFailure(ref context, id, operation, direct);
        }
        finally
        {
            scratch.Clear();
        }
    }

    private static RouteResolution BuildResult(ref Context c, string matchType, string operation, RoleRecord? role, RoleRoute? route)
    {
        var s = c.Scratch;
        var count = s.AccCount;
        if (count == 0)
        {
            return new RouteResolution { MatchType = matchType, Operation = operation, Role = role };
        }

        var services = new ServiceRecord[count];
        var vias = new string?[count];
        for (var i = 0; i < count; i++)
        {
            services[i] = c.Index.Services[s.AccIndex[i]];
            vias[i] = s.AccVia[i];
        }

        return new RouteResolution
        {
            MatchType = matchType,
            Operation = operation,
            Role = role,
            Service = services[0],
            FallbackVia = vias[0],
            AttemptOrder = ImmutableCollectionsMarshal.AsImmutableArray(services),
            AttemptFallbackVia = ImmutableCollectionsMarshal.AsImmutableArray(vias),
            RouteHeader = route is null ? DirectHeader : route.HeaderFor(vias[0]),
        };
    }

    /// <summary>
    /// The value of <c>X-GenieHive-Route</c> for attempt <paramref name="attempt"/> of <paramref name="resolution"/>
    /// (after failover the fallback role may differ from the first target's).
    /// </summary>
    public static string? RouteHeaderFor(RouteResolution resolution, int attempt)
    {
        ArgumentNullException.ThrowIfNull(resolution);
        if (resolution.MatchType == "direct")
        {
            return DirectHeader;
        }

        if (resolution.Role is null || attempt < 0 || attempt >= resolution.AttemptOrder.Length)
        {
            return resolution.RouteHeader;
        }

        var via = resolution.AttemptFallbackVia[attempt];
        return via == resolution.FallbackVia ? resolution.RouteHeader
            : via is null ? "role:" + resolution.Role.RoleId
            : "role:" + resolution.Role.RoleId + ";fallback_via=" + via;
    }

    /// <summary>Direct candidates passing the direct gates, in direct order, into <c>Work</c>; returns their count.</summary>
    private static int CollectDirect(ref Context c, int[] candidates, string? operation)
    {
        var work = c.Scratch.Work;
        var count = 0;
        foreach (var i in candidates)
        {
            var facts = c.Index.Facts[i];
            if ((operation is null || facts.Service.Kind == operation)
                && EligibilityGates.StateFailure(facts, live: null, includeHostOffline: true) is null
                && EligibilityGates.DirectPolicyFailure(facts) is null
                && PassesDynamic(ref c, i))
            {
                work[count++] = i;
            }
        }

        return count;
    }

    /// <summary>The gates a snapshot cannot fix: staleness (2), the probe verdict (4), passive health (6).</summary>
    private static bool PassesDynamic(ref Context c, int i)
    {
        if (c.Now > c.Index.FreshUntil[i])
        {
            return false;
        }

        var live = c.Live[i];
        return live.Probe != ProbeVerdict.Unhealthy && (!c.CheckPassive || live.Peek(c.Now) == PassiveGate.Pass);
    }

    /// <summary>
    /// Appends the <paramref name="count"/> passing direct candidates in <c>Work</c> to the attempt order: by
    /// (loaded desc, p50, service_id), candidates tied on loaded ordered by round robin or least loaded when configured.
    /// </summary>
    private void AppendDirect(ref Context c, string id, int count, ResolveMode mode, string? via, ExplainLevel? explain)
    {
        var s = c.Scratch;
        var work = s.Work.AsSpan(0, count);
        var loadedCount = 0;
        while (loadedCount < count && c.Index.Facts[work[loadedCount]].Loaded)
        {
            loadedCount++;
        }

        var strategy = c.Strategy;
        long counter = 0;
        if (strategy == Strategies.RoundRobin)
        {
            counter = NextCounter(id, mode);
        }

        ReadOnlySpan<int> groups = [0, loadedCount, count];
        var rank = 0;
        for (var g = 0; g < 2; g++)
        {
            var group = work[groups[g]..groups[g + 1]];
            if (group.IsEmpty)
            {
                continue;
            }

            var tied = group.Length > 1 && strategy != Strategies.Scored;
            switch (strategy)
            {
                case Strategies.RoundRobin when tied:
                    group.Sort();
                    AppendRotated(ref c, group, counter, via, explain, ref rank, directKey: true);
                    continue;
                case Strategies.LeastLoaded when tied:
                    SortLeastLoaded(ref c, group);
                    break;
            }

            foreach (var i in group)
            {
                s.TryAppend(i, via);
                if (explain is not null)
                {
                    explain.Ranked.Add(new ExplainCandidate(c.Index.Facts[i].Service, ++rank, null, ExplainKeys.Direct(c.Index.Facts[i], tied ? strategy : null, LoadOf(ref c, i), null)));
                }
            }
        }
    }

    /// <summary>Steps 3–8 for one role level; true when the role or one of its fallbacks found a target.</summary>
    private bool AppendRole(ref Context c, RoleRoute route, ResolveMode mode, string? via, ExplainLevel? explain)
    {
        var s = c.Scratch;
        var policy = route.Role.RoutingPolicy;
        var strategy = c.Strategy;
        var source = strategy == Strategies.Scored ? route.ScoredOrder : route.BaseOrder;

        // Step 3: the snapshot fixed the static gates; the clock and live state decide the rest.
        var survivors = 0;
        var anyLoaded = false;
        var maxRank = 0;
        foreach (var i in source)
        {
            if (PassesDynamic(ref c, i))
            {
                s.Work[survivors++] = i;
            }
        }

        if (policy.RequireLoaded)
        {
            for (var k = 0; k < survivors && !anyLoaded; k++)
            {
                anyLoaded = c.Index.Loaded[s.Work[k]];
            }
        }

        // Steps 5–6: soft filters split the survivors into kept (A) and set aside (B), both in source order.
        for (var k = 0; k < survivors; k++)
        {
            var i = s.Work[k];
            if (!anyLoaded || c.Index.Loaded[i])
            {
                maxRank = Math.Max(maxRank, route.FamilyRank[i]);
            }
        }

        int kept = 0, aside = 0;
        for (var k = 0; k < survivors; k++)
        {
            var i = s.Work[k];
            if ((!anyLoaded || c.Index.Loaded[i]) && route.FamilyRank[i] == maxRank)
            {
                s.A[kept++] = i;
            }
            else
            {
                s.B[aside++] = i;
            }
        }

        if (kept > 0)
        {
            // Step 7 (and 8 for the set-aside ones, in the same strategy order).
            var counter = strategy == Strategies.RoundRobin ? NextCounter(route.Role.RoleId, mode) : 0;
            var rank = 0;
            AppendOrdered(ref c, route, s.A.AsSpan(0, kept), counter, via, explain, ref rank, reason: null, anyLoaded);
            AppendOrdered(ref c, route, s.B.AsSpan(0, aside), counter, via, explain, ref rank, reason: "aside", anyLoaded);
        }

        if (explain is not null)
        {
            ExplainRoleExclusions(ref c, route, explain);
        }

        // Fallbacks extend the attempt order (step 8); only one that supplies the first target may take a counter.
        var found = kept > 0;
        foreach (var fallback in policy.FallbackRoles)
        {
            var fallbackMode = mode == ResolveMode.Take && s.AccCount == 0 ? ResolveMode.Take : ResolveMode.Peek;
            found |= TryFallback(ref c, fallback, route.Role.Operation, fallbackMode, via ?? fallback, explain);
        }

        return found;
    }

    private static void AppendOrdered(
        ref Context c, RoleRoute route, Span<int> group, long counter, string? via, ExplainLevel? explain, ref int rank, string? reason, bool anyLoaded)
    {
        if (group.IsEmpty)
        {
            return;
        }

        switch (c.Strategy)
        {
            case Strategies.RoundRobin:
                if (reason is null)
                {
                    AppendRotated(ref c, group, counter, via, explain, ref rank, directKey: false);
                    return;
                }

                RotateInPlace(group, counter);
                break;
            case Strategies.LeastLoaded:
                SortLeastLoaded(ref c, group);
                break;
        }

        var s = c.Scratch;
        for (var k = 0; k < group.Length; k++)
        {
            var i = group[k];
            s.TryAppend(i, via);
            if (explain is null)
            {
                continue;
            }

            var facts = c.Index.Facts[i];
            if (reason is null)
            {
                explain.Ranked.Add(new ExplainCandidate(facts.Service, ++rank, null, ExplainKeys.Role(c.Strategy, route, facts, LoadOf(ref c, i), k)));
            }
            else
            {
                var code = anyLoaded && !facts.Loaded ? GateCodes.NotLoaded : GateCodes.LowerPreferredFamily;
                explain.Excluded.Add(new ExplainCandidate(facts.Service, null, code, null));
            }
        }
    }

    private static void AppendRotated(
        ref Context c, Span<int> group, long counter, string? via, ExplainLevel? explain, ref int rank, bool directKey)
    {
        var s = c.Scratch;
        var n = group.Length;
        var start = (int)(counter % n);
        for (var k = 0; k < n; k++)
        {
            var position = (start + k) % n;
            var i = group[position];
            s.TryAppend(i, via);
            if (explain is not null)
            {
                var facts = c.Index.Facts[i];
                var key = directKey
                    ? ExplainKeys.Direct(facts, Strategies.RoundRobin, 0, position)
                    : ExplainKeys.Rotation(position);
                explain.Ranked.Add(new ExplainCandidate(facts.Service, ++rank, null, key));
            }
        }
    }

    private static void RotateInPlace(Span<int> group, long counter)
    {
        var start = (int)(counter % group.Length);
        if (start > 0)
        {
            group[..start].Reverse();
            group[start..].Reverse();
            group.Reverse();
        }
    }

    private static void SortLeastLoaded(ref Context c, Span<int> group)
    {
        var loads = c.Scratch.Load;
        foreach (var i in group)
        {
            loads[i] = LoadOf(ref c, i);
        }

        group.Sort(new LeastLoadedComparer(c.Index.Facts, loads));
    }

    /// <summary><c>load = max(live_in_flight, observed.in_flight ?? 0) + (observed.queue_depth ?? 0)</c>.</summary>
    private static long LoadOf(ref Context c, int i)
    {
        var observed = c.Index.Facts[i].Service.Observed;
        return Math.Max(c.Live[i].InFlight, observed.InFlight ?? 0) + (observed.QueueDepth ?? 0);
    }

    /// <summary>Take: one atomic increment, the value before it. Peek: a read that never writes (D3).</summary>
    private long NextCounter(string id, ResolveMode mode)
    {
        if (mode == ResolveMode.Take)
        {
            var box = _counters.GetOrAdd(id, static _ => new StrongBox<long>());
            return Interlocked.Increment(ref box.Value) - 1;
        }

        return CounterValue(id);
    }

    /// <summary>routing.md "Fallback roles": one fallback, resolved like a requested id with the same operation.</summary>
    private bool TryFallback(ref Context c, string fallback, string operation, ResolveMode mode, string firstLevel, ExplainLevel? explain)
    {
        var s = c.Scratch;
        if (s.Visited.Contains(fallback))
        {
            explain?.Fallbacks.Add(new ExplainFallback(fallback, "skipped", "cycle", null));
            return false;
        }

        s.Visited.Add(fallback);
        var level = explain is null ? null : new ExplainLevel();
        bool found;
        var reason = "no_target";
        if (c.Index.Direct.TryGetValue(fallback, out var direct) && CollectDirect(ref c, direct, operation) is var passing and > 0)
        {
            AppendDirect(ref c, fallback, passing, mode, firstLevel, level);
            if (level is not null)
            {
                ExplainDirectExclusions(ref c, direct, operation, level);
            }

            found = true;
        }
        else if (c.Index.Roles.TryGetValue(fallback, out var route))
        {
            if (route.Role.Operation != operation)
            {
                explain?.Fallbacks.Add(new ExplainFallback(fallback, "skipped", "operation_mismatch", null));
                return false;
            }

            found = AppendRole(ref c, route, mode, firstLevel, level);
        }
        else
        {
            found = false;
            if (direct is null)
            {
                reason = "unknown_role";
            }
            else if (!HasKind(ref c, direct, operation))
            {
                reason = "operation_mismatch";
            }
            else if (level is not null)
            {
                ExplainDirectExclusions(ref c, direct, operation, level);
            }
        }

        explain?.Fallbacks.Add(found
            ? new ExplainFallback(fallback, "used", null, level)
            : new ExplainFallback(fallback, "skipped", reason, reason == "no_target" ? level : null));
        return found;
    }

    private static bool HasKind(ref Context c, int[] candidates, string? operation)
    {
        foreach (var i in candidates)
        {
            if (operation is null || c.Index.Facts[i].Service.Kind == operation)
            {
                return true;
            }
        }

        return false;
    }

    private static RouteResolution DirectFailure(ref Context c, string id, string? operation, int[]? direct)
    {
        if (direct is null || direct.Length == 0)
        {
            return new RouteResolution { Error = RouteErrors.ModelNotFound(id), Operation = operation };
        }

        if (operation is not null && !HasKind(ref c, direct, operation))
        {
            var actual = c.Index.Facts[direct[0]].Service.Kind;
            return new RouteResolution { Error = RouteErrors.OperationMismatch(id, actual, operation), Operation = operation };
        }

        string? kind = null;
        var blocked = 0;
        var onlyCooling = true;
        double? earliest = null;
        foreach (var i in direct)
        {
            var facts = c.Index.Facts[i];
            if ((operation is not null && facts.Service.Kind != operation) || EligibilityGates.DirectPolicyFailure(facts) is not null)
            {
                continue;
            }

            kind ??= facts.Service.Kind;
            blocked++;
            Consider(ref c, i, EligibilityGates.FirstFailure(facts, null, operation, c.Now, c.StaleAfter, c.Live[i], c.CheckPassive), ref onlyCooling, ref earliest);
        }

        if (blocked == 0)
        {
            return new RouteResolution { Error = RouteErrors.ModelNotFound(id), Operation = operation };
        }

        var op = operation ?? kind;
        return new RouteResolution
        {
            Error = RouteErrors.NoHealthyTarget(op, id),
            Operation = op,
            RetryAfterSeconds = onlyCooling ? RetryAfter(ref c, earliest) : null,
        };
    }

    /// <summary>A role with no target: Retry-After when every service passing its policy gates is only cooling down.</summary>
    private static int? RoleRetryAfter(ref Context c, RoleRecord role)
    {
        var any = false;
        var onlyCooling = true;
        double? earliest = null;
        foreach (var facts in c.Index.Facts)
        {
            if (facts.Service.Kind != role.Operation || EligibilityGates.RolePolicyFailure(facts, role) is not null)
            {
                continue;
            }

            any = true;
            var i = facts.Index;
            Consider(ref c, i, EligibilityGates.FirstFailure(facts, role, role.Operation, c.Now, c.StaleAfter, c.Live[i], checkPassive: true), ref onlyCooling, ref earliest);
        }

        return any && onlyCooling ? RetryAfter(ref c, earliest) : null;
    }

    private static void Consider(ref Context c, int i, string? failure, ref bool onlyCooling, ref double? earliest)
    {
        if (failure != GateCodes.CoolingDown)
        {
            onlyCooling = false;
            return;
        }

        var until = c.Live[i].CooldownUntil(c.Now);
        if (until is { } u && (earliest is null || u < earliest))
        {
            earliest = u;
        }
    }

    private static int? RetryAfter(ref Context c, double? earliest) =>
        earliest is { } until ? Math.Max(1, (int)Math.Ceiling(until - c.Now)) : null;

    private readonly ref struct Context(
        RoutingTable table, RouteIndex index, ServiceLiveState[] live, double now, double staleAfter, string strategy, bool checkPassive, Scratch scratch)
    {
        public RoutingTable Table { get; } = table;

        public RouteIndex Index { get; } = index;

        public ServiceLiveState[] Live { get; } = live;

        public double Now { get; } = now;

        public double StaleAfter { get; } = staleAfter;

        public string Strategy { get; } = strategy;

        public bool CheckPassive { get; } = checkPassive;

        public Scratch Scratch { get; } = scratch;
    }

    private readonly struct LeastLoadedComparer(ServiceFacts[] facts, long[] loads) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            var c = loads[a].CompareTo(loads[b]);
            if (c != 0)
            {
                return c;
            }

            c = RouteIndex.ComparePrecedingNullLast(ZeroAsNull(facts[a].P50), ZeroAsNull(facts[b].P50));
            return c != 0 ? c : string.CompareOrdinal(facts[a].Service.ServiceId, facts[b].Service.ServiceId);
        }

        private static double? ZeroAsNull(double? p50) => p50 is 0 ? null : p50;
    }

    /// <summary>Per-thread work buffers, sized to the snapshot; a resolution never awaits, so one per thread is enough.</summary>
    private sealed class Scratch
    {
        public int[] Work { get; private set; } = [];

        public int[] A { get; private set; } = [];

        public int[] B { get; private set; } = [];

        public long[] Load { get; private set; } = [];

        public int[] AccIndex { get; private set; } = [];

        public string?[] AccVia { get; private set; } = [];

        public int AccCount { get; private set; }

        public List<string> Visited { get; } = [];

        private bool[] _seen = [];

        public void Reset(int size)
        {
            if (Work.Length < size)
            {
                var capacity = Math.Max(size, 16);
                Work = new int[capacity];
                A = new int[capacity];
                B = new int[capacity];
                Load = new long[capacity];
                AccIndex = new int[capacity];
                AccVia = new string?[capacity];
                _seen = new bool[capacity];
            }
        }

        public ServiceFacts AccFacts(RouteIndex index, int position) => index.Facts[AccIndex[position]];

        /// <summary>Adds a service to the attempt order unless it is already there.</summary>
        public void TryAppend(int index, string? via)
        {
            if (!_seen[index])
            {
                _seen[index] = true;
                AccIndex[AccCount] = index;
                AccVia[AccCount] = via;
                AccCount++;
            }
        }

        public void Clear()
        {
            for (var k = 0; k < AccCount; k++)
            {
                _seen[AccIndex[k]] = false;
                AccVia[k] = null;
            }

            AccCount = 0;
            Visited.Clear();
        }
    }
}
