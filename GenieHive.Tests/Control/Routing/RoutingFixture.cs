using System.Collections.Immutable;
using System.Text.Json;
using GenieHive.Control.Health;
using GenieHive.Control.Registry;
using GenieHive.Control.Routing;
using Microsoft.Extensions.Time.Testing;

namespace GenieHive.Tests.Control.Routing;

/// <summary>Builds registry records and snapshots for routing tests; the clock starts at <see cref="Start"/>.</summary>
internal sealed class RoutingFixture
{
    public const double Start = 1_732_300_000;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.FromUnixTimeSeconds((long)Start));

    public LiveStateStore Live { get; } = new();

    public List<HostRecord> Hosts { get; } = [];

    public List<ServiceRecord> Services { get; } = [];

    public List<RoleRecord> Roles { get; } = [];

    public List<BenchmarkSample> Samples { get; } = [];

    public string Strategy { get; set; } = Strategies.Scored;

    public RouteResolver CreateResolver() => new(Live, Time);

    public RoutingTable Table() =>
        RoutingTable.Create(Hosts, Services, Roles, Samples, new RoutingSettings(30, Strategy), 1);

    public double Now => Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public HostRecord Host(string id, string? labels = null, string? resources = null, string state = "online", double? lastSeen = null)
    {
        var host = new HostRecord(id, id, "10.0.0.1", Json(labels ?? "{}"), Json("{}"), Json(resources ?? "{}"), Json("{}"),
            state, lastSeen ?? Start, null, null, null);
        Hosts.RemoveAll(h => h.HostId == id);
        Hosts.Add(host);
        return host;
    }

    public ServiceRecord Service(
        string id,
        string host,
        string kind = "chat",
        string[]? assets = null,
        bool loaded = true,
        double? p50 = null,
        string health = "healthy",
        string availability = "available",
        bool accept = true,
        bool allowEmployeeDirect = false,
        string? runtime = null,
        string protocol = "openai",
        long? queueDepth = null,
        long? inFlight = null,
        string[]? families = null,
        double? tokensPerSec = null,
        RequestPolicy? assetPolicy = null,
        double createdAt = 1_732_290_000)
    {
        if (!Hosts.Exists(h => h.HostId == host))
        {
            Host(host);
        }

        var assetIds = assets ?? [id.Split('/')[^1]];
        var assetRecords = assetIds.Select((a, k) => new AssetRecord(a, loaded, null, null, families?[k], assetPolicy)).ToImmutableArray();
        var service = new ServiceRecord(id, host, kind, protocol, $"http://{host}:8080",
            Json(runtime ?? """{"engine":"llama.cpp","launcher":null,"provider_id":null,"context_size":null,"max_context_tokens":null}"""),
            assetRecords,
            new ServiceState(health, null, availability, accept, allowEmployeeDirect),
            ServiceObserved.Empty with { P50LatencyMs = p50, QueueDepth = queueDepth, InFlight = inFlight, TokensPerSec = tokensPerSec },
            createdAt, createdAt);
        Services.RemoveAll(s => s.ServiceId == id);
        Services.Add(service);
        return service;
    }

    public RoleRecord Role(
        string id,
        string operation = "chat",
        Func<RoutingPolicy, RoutingPolicy>? policy = null,
        PromptPolicy? prompt = null,
        string? description = null,
        string modality = "text")
    {
        var role = new RoleRecord(id, id, description, operation, modality, prompt ?? PromptPolicy.Empty,
            (policy ?? (p => p))(RoutingPolicy.Default), 1_732_280_000, 1_732_280_000);
        Roles.RemoveAll(r => r.RoleId == id);
        Roles.Add(role);
        return role;
    }

    /// <summary>Three consecutive failures: the circuit opens for 30 s.</summary>
    public void Trip(string serviceId)
    {
        _tripped.Add(serviceId);
        TripState(serviceId);
    }

    /// <summary>Trips again what <see cref="Trip"/> tripped (a host's start-up snapshot drops unknown services' live state).</summary>
    public void ReapplyTrips()
    {
        foreach (var id in _tripped)
        {
            TripState(id);
        }
    }

    private readonly List<string> _tripped = [];

    private void TripState(string serviceId)
    {
        var state = Live.Get(serviceId);
        for (var i = 0; i < ServiceLiveState.FailureThreshold; i++)
        {
            state.RecordFailure(Now);
        }
    }
}
