using SampleShop.Hosting;
using SampleShop.Simulation;

namespace SampleShop.Tests.Simulation;

public sealed class FaultInjectorTests
{
    [Fact]
    public void Latency_stays_within_the_base_range_plus_the_slow_range_for_the_configured_share()
    {
        var faults = new FaultOptions
        {
            BaseLatencyMax = TimeSpan.FromMilliseconds(20),
            SlowRequestRate = 0.1,
            SlowLatencyMin = TimeSpan.FromMilliseconds(300),
            SlowLatencyMax = TimeSpan.FromMilliseconds(900),
        };
        var random = new Random(3);

        var latencies = Enumerable.Range(0, 5000).Select(_ => FaultInjector.NextLatency(faults, random)).ToList();

        Assert.All(latencies, l => Assert.InRange(l, TimeSpan.Zero, TimeSpan.FromMilliseconds(920)));
        var slow = latencies.Count(l => l >= TimeSpan.FromMilliseconds(300));
        Assert.InRange(slow, 400, 600);
        Assert.DoesNotContain(latencies, l => l > TimeSpan.FromMilliseconds(20) && l < TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void No_configured_latency_means_none()
    {
        var faults = new FaultOptions { BaseLatencyMax = TimeSpan.Zero, SlowRequestRate = 0 };

        Assert.Equal(TimeSpan.Zero, FaultInjector.NextLatency(faults, new Random(5)));
    }
}
