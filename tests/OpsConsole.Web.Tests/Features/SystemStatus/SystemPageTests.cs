using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Live;
using OpsConsole.Core.SystemStatus;
using OpsConsole.Web.Features.SystemStatus;
using OpsConsole.Web.Tests.Shared;

// Mirrors the page's own namespace choice: a ".System" segment would shadow the System namespace.
namespace OpsConsole.Web.Tests.Features.SystemStatus;

public sealed class SystemPageTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly LiveEventBus _bus = new();
    private readonly FakeStatsSource _stats = new();

    public SystemPageTests()
    {
        Services.AddSingleton<ILiveEvents>(_bus);
        _stats.Live = _bus; // published samples reach the page through the source, as SystemStatsSampler does it
        Services.AddSingleton<ISystemStatsSource>(_stats);
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public void Without_a_sample_says_it_is_collecting()
    {
        _stats.Latest = null;

        var cut = Render<SystemPage>();

        Assert.Contains("Collecting the first sample…", cut.Markup, StringComparison.Ordinal);
        Assert.Equal("—", cut.Find("[data-testid=sampled-at]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=stat-uptime]"));
    }

    [Fact]
    public void First_render_shows_the_latest_sample()
    {
        _stats.Latest = Snapshot(Start, uptime: TimeSpan.FromHours(3), dbMs: 1.234, dropped: 2);

        var cut = Render<SystemPage>();

        Assert.Equal("10:00:00 UTC", cut.Find("[data-testid=sampled-at]").TextContent);
        Assert.Contains("03:00:00", cut.Find("[data-testid=stat-uptime]").TextContent, StringComparison.Ordinal);
        Assert.Contains("1.23 ms", cut.Find("[data-testid=stat-db-latency]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2 dropped", cut.Find("[data-testid=stat-live-events]").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("Collecting the first sample", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_database_shows_the_error()
    {
        _stats.Latest = Snapshot(Start, uptime: TimeSpan.FromMinutes(1), dbMs: null, dbError: "no answer within 2 s");

        var cut = Render<SystemPage>();

        var tile = cut.Find("[data-testid=stat-db-latency]").TextContent;
        Assert.Contains("unreachable", tile, StringComparison.Ordinal);
        Assert.Contains("no answer within 2 s", tile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribes_on_init_rerenders_on_publish_and_unsubscribes_on_dispose()
    {
        Assert.Equal(0, _bus.Statistics.Subscribers);
        _stats.Latest = Snapshot(Start, uptime: TimeSpan.FromMinutes(5));

        var cut = Render<SystemPage>();

        Assert.Equal(1, _bus.Statistics.Subscribers);
        Assert.Equal(1, _bus.Statistics.Topics[SystemTopics.Stats.Name].Subscribers);
        Assert.Equal("10:00:00 UTC", cut.Find("[data-testid=sampled-at]").TextContent);

        // The live path: the sampler updates Latest and publishes; the page re-reads Latest and re-renders.
        var next = Snapshot(Start.AddSeconds(7), uptime: TimeSpan.FromMinutes(5).Add(TimeSpan.FromSeconds(7)));
        _stats.Latest = next;
        _bus.Publish(SystemTopics.Stats, next);

        cut.WaitForAssertion(
            () =>
            {
                Assert.Equal("10:00:07 UTC", cut.Find("[data-testid=sampled-at]").TextContent);
                Assert.Contains("00:05:07", cut.Find("[data-testid=stat-uptime]").TextContent, StringComparison.Ordinal);
            },
            Timeout);
        Assert.Equal(1, _bus.Statistics.Topics[SystemTopics.Stats.Name].Delivered);

        await DisposeComponentsAsync();

        Assert.Equal(0, _bus.Statistics.Subscribers);
        Assert.Equal(0, _bus.Statistics.Topics[SystemTopics.Stats.Name].Subscribers);

        // Nobody listens any more: a further publish reaches no handler and the page no longer reads the source.
        var reads = _stats.Reads;
        var later = Snapshot(Start.AddSeconds(9), uptime: TimeSpan.FromMinutes(6));
        _stats.Latest = later;
        _bus.Publish(SystemTopics.Stats, later);

        var topic = _bus.Statistics.Topics[SystemTopics.Stats.Name];
        Assert.Equal(2, topic.Published);
        Assert.Equal(1, topic.Delivered);
        Assert.Equal(0, topic.HandlerErrors);
        Assert.Equal(reads, _stats.Reads);
    }

    private static SystemStatsSnapshot Snapshot(
        DateTimeOffset sampledAt,
        TimeSpan uptime,
        double? dbMs = 0.5,
        string? dbError = null,
        long dropped = 0) =>
        new(
            SampledAt: sampledAt,
            InstanceId: "test-instance",
            Uptime: uptime,
            DatabaseRoundTripMs: dbMs,
            DatabaseError: dbError,
            Pool: new DatabasePoolUsage(Busy: 1, Idle: 4, Max: 100),
            CircuitsConnected: 3,
            LiveEventsPerSecond: 1.5,
            LiveEventsPublished: 1234,
            LiveEventsDropped: dropped,
            WorkingSetBytes: 200L * 1024 * 1024,
            ManagedHeapBytes: 50L * 1024 * 1024,
            Gen0Collections: 10,
            Gen1Collections: 2,
            Gen2Collections: 1,
            MigrationsApplied: true,
            AppliedMigrations: ["20260101000000_Initial"]);

    private sealed class FakeStatsSource : ISystemStatsSource
    {
        private SystemStatsSnapshot? _latest;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public ILiveEvents Live { get; set; } = default!;

        public IDisposable OnStatsChanged(TimeSpan minimumInterval, Func<Task> onChanged) =>
            Live.SubscribeThrottled(SystemTopics.Stats, minimumInterval, onChanged);

        public SystemStatsSnapshot? Latest
        {
            get
            {
                Interlocked.Increment(ref _reads);
                return Volatile.Read(ref _latest);
            }

            set => Volatile.Write(ref _latest, value);
        }
    }
}
