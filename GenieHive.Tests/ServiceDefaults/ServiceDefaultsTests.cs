using System.Collections.Concurrent;
using System.Net;
using GenieHive.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GenieHive.Tests.ServiceDefaults;

public sealed class ServiceDefaultsTests
{
    private static WebApplication BuildApp(Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure?.Invoke(builder);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.UseGenieHiveDefaults();
        app.MapDefaultEndpoints();
        return app;
    }

    [Fact]
    public async Task Health_and_alive_answer_ok_bodies_on_a_real_kestrel_host()
    {
        await using var host = await KestrelHost.StartAsync(BuildApp());
        using var client = host.CreateClient();

        foreach (var path in new[] { "/health", "/alive" })
        {
            using var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
            Assert.StartsWith("req_", response.Headers.GetValues("X-Request-Id").Single(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Failing_readiness_check_answers_503_not_ready_in_the_error_envelope_while_alive_stays_ok()
    {
        var app = BuildApp(b => b.Services.AddHealthChecks()
            .AddCheck("registry", () => HealthCheckResult.Unhealthy("registry not open")));
        await using var host = await KestrelHost.StartAsync(app);
        using var client = host.CreateClient();

        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(
            "{\"error\":{\"message\":\"registry not open\",\"type\":\"server_error\",\"code\":\"not_ready\",\"param\":null}}",
            await health.Content.ReadAsStringAsync());

        using var alive = await client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Unknown_route_and_unhandled_exception_get_the_error_envelope()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.UseGenieHiveDefaults();
        app.MapGet("/boom", string () => throw new InvalidOperationException("secret detail"));
        app.MapPost("/only-post", () => "ok");
        await using var host = await KestrelHost.StartAsync(app);
        using var client = host.CreateClient();

        using var missing = await client.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("\"code\":\"not_found\"", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var wrongMethod = await client.GetAsync("/only-post");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("\"code\":\"method_not_allowed\"", await wrongMethod.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/boom");
        request.Headers.Add("X-Request-Id", "my-id-1");
        using var boom = await client.SendAsync(request);
        var body = await boom.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.InternalServerError, boom.StatusCode);
        Assert.Equal("my-id-1", boom.Headers.GetValues("X-Request-Id").Single());
        Assert.Contains("Internal error; request id my-id-1.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret detail", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Otlp_exporter_is_wired_only_when_the_endpoint_variable_is_set()
    {
        static bool HasOtlp(WebApplicationBuilder b) =>
            b.Services.Any(d => (d.ServiceType.FullName ?? "").Contains("Otlp", StringComparison.Ordinal)
                || (d.ImplementationType?.FullName ?? "").Contains("Otlp", StringComparison.Ordinal));

        var without = WebApplication.CreateSlimBuilder();
        without.AddServiceDefaults();
        Assert.False(HasOtlp(without));

        var with = WebApplication.CreateSlimBuilder();
        with.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4318";
        with.AddServiceDefaults();
        Assert.True(HasOtlp(with));
    }

    [Fact]
    public async Task Traces_are_exported_over_otlp_to_the_configured_endpoint()
    {
        var received = new ConcurrentQueue<string>();
        var firstExport = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var collector = await KestrelHost.StartAsync(app => app.MapPost("/v1/{signal}", (string signal) =>
        {
            received.Enqueue(signal);
            if (signal == "traces")
            {
                firstExport.TrySetResult();
            }

            return Results.Ok();
        }));

        var app = BuildApp(b =>
        {
            b.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString().TrimEnd('/');
            b.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            b.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "100";
        });
        app.MapGet("/traced", () => "ok");
        await using var host = await KestrelHost.StartAsync(app);
        using var client = host.CreateClient();
        using var response = await client.GetAsync("/traced");
        response.EnsureSuccessStatusCode();

        await firstExport.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("traces", received);
    }
}
