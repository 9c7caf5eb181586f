using System.Diagnostics;
using System.Net;
using SampleShop.Hosting;
using SampleShop.Traffic;

namespace SampleShop.Tests.Traffic;

/// <summary>The generator's bounds hold whatever the server does: a server that never answers gets at most MaxConcurrency requests.</summary>
public sealed class TrafficGeneratorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_burst_never_has_more_than_MaxConcurrency_requests_in_flight_and_sends_them_all()
    {
        var server = new HeldServer();
        using var generator = Generator(server, new TrafficOptions { MaxConcurrency = 4, MaxRequestsPerSecond = 500 });

        var burst = generator.RunBurstAsync(30, CancellationToken.None);
        await UntilAsync(() => server.InFlight == 4, "four requests are held by the server");

        Assert.False(generator.TryStartOne(CancellationToken.None)); // every slot is busy: skipped, not queued
        Assert.Equal(4, generator.InFlight);
        server.Release();
        await burst.WaitAsync(Timeout);
        Assert.Equal(30, server.Received);
        Assert.Equal(4, server.MaxInFlight);
        Assert.Equal(30, generator.Sent);
    }

    [Fact]
    public async Task Steady_requests_are_skipped_when_every_slot_is_busy_and_drain_waits_for_the_rest()
    {
        var server = new HeldServer();
        using var generator = Generator(server, new TrafficOptions { MaxConcurrency = 2 });

        Assert.True(generator.TryStartOne(CancellationToken.None));
        Assert.True(generator.TryStartOne(CancellationToken.None));
        Assert.False(generator.TryStartOne(CancellationToken.None));
        await UntilAsync(() => server.InFlight == 2, "both requests reached the server");
        Assert.False(await generator.DrainAsync(TimeSpan.FromMilliseconds(50)));

        server.Release();
        Assert.True(await generator.DrainAsync(Timeout));
        Assert.Equal(2, server.Received);
        Assert.Equal(0, generator.InFlight);
    }

    [Fact]
    public async Task Request_starts_are_capped_per_second_even_against_an_instant_server()
    {
        var server = new HeldServer();
        server.Release();
        using var generator = Generator(server, new TrafficOptions { MaxConcurrency = 8, MaxRequestsPerSecond = 10 });

        var clock = Stopwatch.StartNew();
        await generator.RunBurstAsync(6, CancellationToken.None).WaitAsync(Timeout);

        // 10/s is one start per 100 ms: the sixth cannot start before about half a second.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), $"6 requests took only {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(6, server.Received);
    }

    [Fact]
    public async Task Stopping_ends_a_burst_and_abandons_held_requests()
    {
        var server = new HeldServer();
        using var generator = Generator(server, new TrafficOptions { MaxConcurrency = 3, MaxRequestsPerSecond = 500 });
        using var stopping = new CancellationTokenSource();

        var burst = generator.RunBurstAsync(100, stopping.Token);
        await UntilAsync(() => server.InFlight == 3, "three requests are held");
        await stopping.CancelAsync();

        await burst.WaitAsync(Timeout);
        Assert.Equal(0, generator.InFlight);
        Assert.Equal(3, server.Received);
        Assert.Equal(0, generator.Sent);
    }

    private static TrafficGenerator Generator(HeldServer server, TrafficOptions options) =>
        new(new HttpClient(server) { BaseAddress = new Uri("http://shop.test/") }, options, new Random(42));

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Timeout, $"timed out waiting until {what}");
            await Task.Delay(5);
        }
    }

    /// <summary>A server that holds every request until released, and counts them.</summary>
    private sealed class HeldServer : HttpMessageHandler
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _maxInFlight;
        private int _received;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Received => Volatile.Read(ref _received);

        public void Release() => _released.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _received);
            var now = Interlocked.Increment(ref _inFlight);
            for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
            {
                Interlocked.CompareExchange(ref _maxInFlight, now, max);
            }

            try
            {
                await _released.Task.WaitAsync(cancellationToken);
                return new HttpResponseMessage(HttpStatusCode.OK);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
