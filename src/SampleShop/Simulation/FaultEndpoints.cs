using System.Globalization;
using Microsoft.Extensions.Options;
using SampleShop.Hosting;

namespace SampleShop.Simulation;

/// <summary>The body of <c>POST /admin/faults/error-burst</c>: the share of API requests to fail, and for how long.</summary>
public sealed record ErrorBurstRequest(double? Rate, TimeSpan? Duration)
{
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>Errors keyed by the field; empty when valid.</summary>
    public IReadOnlyDictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Rate is not { } rate || double.IsNaN(rate) || rate is <= 0 or > 1)
        {
            errors["rate"] = ["A share of requests to fail, above 0 and at most 1 (e.g. 0.5)."];
        }

        if (Duration is not { } duration || duration <= TimeSpan.Zero || duration > MaxDuration)
        {
            errors["duration"] = [string.Create(CultureInfo.InvariantCulture, $"How long the burst lasts, above 0 and at most {MaxDuration:c} (e.g. \"00:02:00\").")];
        }

        return errors;
    }
}

public static class FaultEndpoints
{
    /// <summary>
    /// API requests fail with 500 while <see cref="FaultInjector.ServerErrorNow"/> says so (after the rate limiter, so
    /// 429s stay 429s; inside the HTTP metrics, so the 500s are counted).
    /// </summary>
    public static IApplicationBuilder UseSimulatedOutage(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
                && context.RequestServices.GetRequiredService<FaultInjector>().ServerErrorNow())
            {
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status500InternalServerError,
                    title: "Simulated outage",
                    detail: "SampleShop is failing this request on purpose (SampleShop:Faults:ServerErrorRate or an error burst).").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
    }

    /// <summary><c>/admin/faults/error-burst</c>: POST starts a burst of 500s, DELETE ends it, GET shows it; only with Faults:ControlEndpoint.</summary>
    public static IEndpointRouteBuilder MapFaultControl(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<ShopOptions>>().Value.Faults.ControlEndpoint)
        {
            return endpoints;
        }

        var group = endpoints.MapGroup("/admin/faults/error-burst");
        group.MapGet("", (FaultInjector faults) => TypedResults.Ok(Describe(faults)));
        group.MapPost("", (ErrorBurstRequest request, FaultInjector faults) =>
        {
            var errors = request.Validate();
            if (errors.Count > 0)
            {
                return (IResult)TypedResults.ValidationProblem(errors);
            }

            faults.StartBurst(request.Rate!.Value, request.Duration!.Value);
            return TypedResults.Ok(Describe(faults));
        });
        group.MapDelete("", (FaultInjector faults) =>
        {
            faults.EndBurst();
            return TypedResults.NoContent();
        });
        return endpoints;
    }

    private static object Describe(FaultInjector faults) => new
    {
        serverErrorRate = faults.ServerErrorRate,
        burst = faults.Burst is { } burst ? new { rate = burst.Rate, until = burst.Until } : null,
    };
}
