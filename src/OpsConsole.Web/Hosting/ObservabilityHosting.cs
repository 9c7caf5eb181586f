using System.Text.Json;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsConsole.Core.Identity.Sessions;
using OpsConsole.Core.SystemStatus;
using Prometheus;

namespace OpsConsole.Web.Hosting;

public static class ObservabilityHosting
{
    /// <summary>Health checks, circuit tracking with a per-circuit log scope. /metrics itself is prometheus-net's.</summary>
    public static WebApplicationBuilder AddConsoleObservability(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks();
        builder.Services.AddScoped<CircuitHandler, TrackingCircuitHandler>();
        ConfigureMeterExport();
        return builder;
    }

    /// <summary>
    /// Which System.Diagnostics.Metrics meters /metrics exports: the database client, ASP.NET Core and the runtime.
    /// Everything else (e.g. QUIC internals) would add hundreds of series nobody reads.
    /// </summary>
    public static bool IsExportedMeter(string meterName) =>
        meterName is "Npgsql" or "System.Runtime"
        || meterName.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)
        || meterName.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal);

    /// <summary>
    /// Gauges named "*.count" become "*_count" series, which Prometheus reserves for histograms and summaries
    /// (promtool flags them); the console exports its own pool gauges instead (opsconsole_db_pool_*).
    /// Instruments recorded on every request or buffer that say nothing HttpMetrics' http_request_* series do not are left
    /// out too: bridging them to prometheus-net took an eighth of an API call's CPU (dotnet-trace of the keys harness).
    /// </summary>
    public static bool IsExportedInstrument(System.Diagnostics.Metrics.Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return IsExportedMeter(instrument.Meter.Name)
            && !instrument.Name.EndsWith(".count", StringComparison.Ordinal)
            && !PerRequestMeters.Contains(instrument.Meter.Name)
            && !PerRequestInstruments.Contains(instrument.Name);
    }

    /// <summary>http.server.request.duration and active_requests (HttpMetrics has both), routing match attempts, Kestrel's memory pool.</summary>
    private static readonly HashSet<string> PerRequestMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Routing", "Microsoft.AspNetCore.MemoryPool"];

    /// <summary>
    /// Recorded on every request: authentication time, authorization attempts (denials are audited one by one), and the
    /// rate limiter's leases (its rejections stay, in aspnetcore.rate_limiting.requests).
    /// </summary>
    private static readonly HashSet<string> PerRequestInstruments =
    [
        "aspnetcore.authentication.authenticate.duration", "aspnetcore.authorization.attempts",
        "aspnetcore.rate_limiting.request_lease.duration", "aspnetcore.rate_limiting.active_request_leases",
    ];

    private static readonly Lock MetricsGate = new();
    private static bool s_metricsConfigured;

    private static void ConfigureMeterExport()
    {
        // prometheus-net's registry is process-wide; configure it once even when tests start several hosts.
        lock (MetricsGate)
        {
            if (s_metricsConfigured)
            {
                return;
            }

            s_metricsConfigured = true;
            Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
            {
                SuppressDebugMetrics = true,
                SuppressEventCounters = true, // the same runtime figures come from the System.Runtime meter
            });
            Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = IsExportedInstrument);
        }
    }

    public static IEndpointRouteBuilder MapConsoleHealth(this IEndpointRouteBuilder endpoints)
    {
        // Liveness: the process answers; no dependency is consulted, so a database outage never restarts the console.
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson })
            .AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteJson })
            .AllowAnonymous();
        return endpoints;
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString(),
            totalDurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description,
                    durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, JsonOptions, context.RequestAborted);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);
}

/// <summary>
/// Counts connected circuits (in total and per sign-in session) and puts the circuit id in the log scope of everything
/// a circuit does.
/// </summary>
public sealed class TrackingCircuitHandler(
    CircuitTracker tracker, AuthenticationStateProvider authentication, ILogger<TrackingCircuitHandler> logger) : CircuitHandler
{
    private string? sessionId;
    private bool sessionRead;

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // Read once: a later sign-out changes the circuit's user, but its count must come off the same session.
        if (!sessionRead)
        {
            sessionRead = true;
            try
            {
                sessionId = UserSessionService.SessionIdOf((await authentication.GetAuthenticationStateAsync()).User)?.ToString();
            }
            catch (InvalidOperationException)
            {
                sessionId = null; // no user set on this circuit (yet): counted in the total only
            }
        }

        tracker.Connected(sessionId);
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        tracker.Disconnected(sessionId);
        return Task.CompletedTask;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            using (logger.BeginScope(new Dictionary<string, object> { ["CircuitId"] = context.Circuit.Id }))
            {
                await next(context);
            }
        };
}
