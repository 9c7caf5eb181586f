using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
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

    [Fact]
    public void The_configured_server_error_rate_applies_until_a_burst_overrides_it_and_the_burst_ends_by_the_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
        var faults = new FaultInjector(new StaticMonitor(new ShopOptions { Faults = new FaultOptions { ServerErrorRate = 0.25 } }), time);
        Assert.Equal(0.25, faults.ServerErrorRate);
        Assert.Null(faults.Burst);

        var burst = faults.StartBurst(1.0, TimeSpan.FromMinutes(2));
        Assert.Equal(time.GetUtcNow().AddMinutes(2), burst.Until);
        Assert.Equal(1.0, faults.ServerErrorRate);
        Assert.All(Enumerable.Range(0, 100), _ => Assert.True(faults.ServerErrorNow()));

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(faults.Burst);
        Assert.Equal(0.25, faults.ServerErrorRate);
        Assert.False(faults.EndBurst()); // already over

        faults.StartBurst(0.5, TimeSpan.FromMinutes(1));
        Assert.True(faults.EndBurst());
        Assert.Equal(0.25, faults.ServerErrorRate);
    }

    [Fact]
    public void No_server_errors_by_default()
    {
        var faults = new FaultInjector(new StaticMonitor(new ShopOptions()), TimeProvider.System);

        Assert.Equal(0, faults.ServerErrorRate);
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.False(faults.ServerErrorNow()));
    }

    [Theory]
    [InlineData(null, "00:01:00", "rate")]
    [InlineData(0.0, "00:01:00", "rate")]
    [InlineData(1.01, "00:01:00", "rate")]
    [InlineData(0.5, null, "duration")]
    [InlineData(0.5, "00:00:00", "duration")]
    [InlineData(0.5, "01:00:01", "duration")]
    public void A_burst_request_names_the_field_that_is_wrong(double? rate, string? duration, string field)
    {
        var errors = new ErrorBurstRequest(rate, duration is null ? null : TimeSpan.Parse(duration, System.Globalization.CultureInfo.InvariantCulture)).Validate();

        Assert.Equal([field], errors.Keys);
    }

    [Fact]
    public void A_valid_burst_request_has_no_errors() =>
        Assert.Empty(new ErrorBurstRequest(1.0, TimeSpan.FromHours(1)).Validate());

    private sealed class StaticMonitor(ShopOptions value) : IOptionsMonitor<ShopOptions>
    {
        public ShopOptions CurrentValue => value;

        public ShopOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<ShopOptions, string?> listener) => null;
    }
}
