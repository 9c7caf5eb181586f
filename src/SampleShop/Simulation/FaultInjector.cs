using Microsoft.Extensions.Options;
using SampleShop.Hosting;

namespace SampleShop.Simulation;

/// <summary>
/// The shop's simulated dependencies: every API call waits like a downstream call would (a few slow ones far longer),
/// and the payment provider sometimes fails. Rates come from <see cref="FaultOptions"/>.
/// </summary>
public sealed class FaultInjector(IOptionsMonitor<ShopOptions> options, TimeProvider time)
{
    private FaultOptions Faults => options.CurrentValue.Faults;

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
