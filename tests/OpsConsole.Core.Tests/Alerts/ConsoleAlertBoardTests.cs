using OpsConsole.Core.Alerts;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class ConsoleAlertBoardTests
{
    [Fact]
    public async Task Raise_and_resolve_publish_changes_and_an_unchanged_alert_keeps_its_since()
    {
        var bus = new LiveEventBus();
        using var board = new ConsoleAlertBoard(bus, TimeProvider.System);
        var changes = new List<ConsoleAlertChanged>();
        using var received = new SemaphoreSlim(0);
        using var subscription = bus.Subscribe(ConsoleAlertTopics.Changed, e =>
        {
            lock (changes)
            {
                changes.Add(e.Payload);
            }

            received.Release();
            return Task.CompletedTask;
        });

        var first = board.Raise("audit.integrity", ConsoleAlertSeverity.Critical, "broken at 5", "test");
        var again = board.Raise("audit.integrity", ConsoleAlertSeverity.Critical, "broken at 5", "test");
        Assert.Equal(first.Since, again.Since);
        Assert.Single(board.Active);
        Assert.True(board.Resolve("audit.integrity"));
        Assert.False(board.Resolve("audit.integrity"));
        Assert.Empty(board.Active);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await received.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        lock (changes)
        {
            Assert.Equal(3, changes.Count);
            Assert.Null(changes[2].Alert);
        }
    }
}
