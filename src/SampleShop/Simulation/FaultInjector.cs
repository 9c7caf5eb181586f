using Microsoft.Extensions.Options;
using SampleShop.Hosting;

namespace SampleShop.Simulation;

/// <summary>A burst of server errors started at run time: this share of API requests fails until <see cref="Until"/>.</summary>
public sealed record ErrorBurst(double Rate, DateTimeOffset Until);

/// <summary>
/// The shop's simulated dependencies: every API call waits like a downstream call would (a few slow ones far longer),
/// the payment provider sometimes fails, and during an outage API requests fail with 500. Rates come from
/// <see cref="FaultOptions"/>; an error burst can also be started and ended at run time.
/// </summary>
public sealed class FaultInjector(IOptionsMonitor<ShopOptions> options, TimeProvider time)
{
    private ErrorBurst? _burst;

    private FaultOptions Faults => options.CurrentValue.Faults;

    /// <summary>The burst running now, or null.</summary>
    public ErrorBurst? Burst => Volatile.Read(ref _burst) is { } burst && burst.Until > time.GetUtcNow() ? burst : null;

    /// <summary>The share of API requests that fail with 500 now: a running burst's, else the configured one.</summary>
    public double ServerErrorRate => Burst?.Rate ?? Faults.ServerErrorRate;

    public ErrorBurst StartBurst(double rate, TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        var burst = new ErrorBurst(rate, time.GetUtcNow() + duration);
        Volatile.Write(ref _burst, burst);
        return burst;
    }

    /// <summary>True when a burst was running.</summary>
    public bool EndBurst() => Interlocked.Exchange(ref _burst, null) is { } burst && burst.Until > time.GetUtcNow();

    /// <summary>True when this API request fails with a simulated 500.</summary>
    public bool ServerErrorNow() => ServerErrorRate is var rate && rate > 0 && Random.Shared.NextDouble() < rate;

    /// <summary>The latency this request gets: uniform up to the base, plus the slow range for a share of requests.</summary>
    public static TimeSpan NextLatency(FaultOptions faults, Random random)
    {
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(random);
        var latency = faults.BaseLatencyMax * random.NextDouble();
        if (random.NextDouble() < faults.SlowRequestRate)
        {
            latency += faults.SlowLatencyMin + ((faults.SlowLatencyMax - faults.SlowLatencyMin) * random.NextDouble());
        }

        return latency;
    }

    public Task SimulateDownstreamAsync(CancellationToken cancellationToken)
    {
        var latency = NextLatency(Faults, Random.Shared);
        return latency <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(latency, time, cancellationToken);
    }

    /// <summary>True when this payment attempt fails.</summary>
    public bool PaymentFails() => Random.Shared.NextDouble() < Faults.PaymentFailureRate;
}
