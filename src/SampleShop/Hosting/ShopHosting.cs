using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Prometheus;
using SampleShop.Simulation;

namespace SampleShop.Hosting;

public static class ShopHosting
{
    public const string ApiRateLimitPolicy = "api";

    /// <summary>Options (validated at start), metrics registry, rate limiter, fault injection, problem details.</summary>
    public static WebApplicationBuilder AddShopHost(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Before any metric exists: only the standard process and HTTP series (event counters and meters add hundreds).
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
        });

        builder.Services.AddOptions<ShopOptions>().BindConfiguration(ShopOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ShopOptions>, ShopOptionsValidator>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<FaultInjector>();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        builder.Services.AddRateLimiter(AddApiPolicy);
        builder.Services.AddHostedService<ParentProcessWatch>();
        return builder;
    }

    /// <summary>
    /// Order matters: the HTTP metrics middleware wraps the exception handler, the rate limiter and the simulated
    /// outage, so 500s and 429s are counted with their real status code (prometheus-net reads the status after the inner
    /// pipeline returns).
    /// </summary>
    public static WebApplication UseShopPipeline(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRouting();
        app.UseHttpMetrics();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseSimulatedOutage();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health");
        app.MapMetrics("/metrics");
        return app;
    }

    private static void AddApiPolicy(RateLimiterOptions limiter)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.AddPolicy(ApiRateLimitPolicy, context =>
        {
            var limits = context.RequestServices.GetRequiredService<IOptionsMonitor<ShopOptions>>().CurrentValue.RateLimit;
            return RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.TokenLimit,
                    TokensPerPeriod = limits.TokensPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
        });
        limiter.OnRejected = async (context, cancellationToken) =>
        {
            var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var endpoint = (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "";
            ShopMetrics.RateLimited.WithLabels(endpoint).Inc();
            var problem = TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests",
                detail: $"The shop's rate limit was exceeded; retry after {seconds} s.");
            await problem.ExecuteAsync(context.HttpContext);
        };
    }
}
