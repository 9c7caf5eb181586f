using Microsoft.Extensions.Logging.Abstractions;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

public sealed class AuditSpoolTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spool-test-");

    public void Dispose() => _directory.Delete(recursive: true);

    private AuditSpool NewSpool(int maxEntries) => new(_directory.FullName, maxEntries, NullLogger<AuditSpool>.Instance);

    private static AuditInboxItem Item(string action) => new() { Action = action, OccurredAt = DateTimeOffset.UnixEpoch };

    private static Task FailingWrite(IReadOnlyList<AuditInboxItem> items, CancellationToken ct) =>
        throw new IOException("database unavailable");

    [Fact]
    public async Task A_failed_replay_keeps_its_batch_pending_and_ahead_of_newer_observations()
    {
        var spool = NewSpool(10);
        Assert.True(spool.TryAppend(Item("a")));
        Assert.True(spool.TryAppend(Item("b")));

        await Assert.ThrowsAsync<IOException>(() => spool.ReplayAsync(FailingWrite, CancellationToken.None));
        Assert.True(spool.TryAppend(Item("c")));
        Assert.Equal(3, spool.Pending);

        var written = new List<string>();
        Assert.Equal(2, await spool.ReplayAsync((items, _) => { written.AddRange(items.Select(i => i.Action)); return Task.CompletedTask; }, CancellationToken.None));
        Assert.Equal(1, await spool.ReplayAsync((items, _) => { written.AddRange(items.Select(i => i.Action)); return Task.CompletedTask; }, CancellationToken.None));
        Assert.Equal(["a", "b", "c"], written);
        Assert.Equal(0, spool.Pending);
    }

    [Fact]
    public async Task The_bound_counts_a_batch_whose_replay_keeps_failing()
    {
        var spool = NewSpool(3);
        Assert.True(spool.TryAppend(Item("a")));
        Assert.True(spool.TryAppend(Item("b")));
        await Assert.ThrowsAsync<IOException>(() => spool.ReplayAsync(FailingWrite, CancellationToken.None));

        Assert.True(spool.TryAppend(Item("c")));
        Assert.False(spool.TryAppend(Item("d"))); // full: a, b (being replayed) and c
        Assert.Equal(1, spool.Dropped);
    }

    [Fact]
    public void A_spool_left_on_disk_by_a_previous_process_is_counted()
    {
        var first = NewSpool(10);
        first.TryAppend(Item("a"));
        first.TryAppend(Item("b"));

        Assert.Equal(2, NewSpool(10).Pending);
    }
}
