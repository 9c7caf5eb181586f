using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Core.Tests.Audit.Search;

public sealed class AuditFeedTests
{
    private readonly List<long> _log = [.. Enumerable.Range(1, 25).Select(i => (long)i)];
    private readonly HashSet<long> _ownReads = [];

    [Fact]
    public async Task Loads_keyset_pages_as_the_grid_asks_for_more()
    {
        using var feed = NewFeed(pageSize: 10);
        await feed.ResetAsync(AuditQuery.None);
        Assert.Equal(Enumerable.Range(16, 10).Reverse().Select(i => (long)i), feed.Items.Select(i => i.Sequence));
        Assert.True(feed.HasMore);

        await feed.EnsureLoadedAsync(23);

        Assert.Equal(Enumerable.Range(1, 25).Reverse().Select(i => (long)i), feed.Items.Select(i => i.Sequence));
        Assert.False(feed.HasMore);
    }

    [Fact]
    public async Task Live_records_go_on_top_and_a_pause_counts_them_until_resumed()
    {
        using var feed = NewFeed(pageSize: 10);
        await feed.ResetAsync(AuditQuery.None);
        _log.AddRange([26, 27]);

        Assert.True(await feed.RefreshNewerAsync());
        Assert.Equal([27L, 26, 25], feed.Items.Take(3).Select(i => i.Sequence));

        feed.Pause();
        _log.AddRange([28, 29, 30]);
        Assert.False(await feed.RefreshNewerAsync());
        Assert.Equal(27, feed.Top);
        Assert.Equal(3, feed.Pending);

        await feed.ResumeAsync();

        Assert.Equal(0, feed.Pending);
        Assert.False(feed.Paused);
        Assert.Equal([30L, 29, 28, 27], feed.Items.Take(4).Select(i => i.Sequence));
    }

    [Fact]
    public async Task More_new_records_than_a_page_reload_from_the_newest()
    {
        using var feed = NewFeed(pageSize: 5);
        await feed.ResetAsync(AuditQuery.None);
        _log.AddRange(Enumerable.Range(26, 12).Select(i => (long)i));

        Assert.True(await feed.RefreshNewerAsync());

        Assert.Equal(Enumerable.Range(33, 5).Reverse().Select(i => (long)i), feed.Items.Select(i => i.Sequence));
        Assert.True(feed.HasMore);
    }

    [Fact]
    public async Task Hidden_records_are_neither_shown_nor_counted_but_paging_and_the_tail_go_past_them()
    {
        // 11..25 are the reader's own reads: three whole pages of them must not stall scrolling.
        _ownReads.UnionWith(Enumerable.Range(11, 15).Select(i => (long)i));
        using var feed = NewFeed(pageSize: 5);
        await feed.SetHiddenAsync(r => r.Action == "audit.searched");
        await feed.ResetAsync(AuditQuery.None);

        await feed.EnsureLoadedAsync(10);
        Assert.Equal(Enumerable.Range(1, 10).Reverse().Select(i => (long)i), feed.Items.Select(i => i.Sequence));
        Assert.Equal(15, feed.HiddenCount);
        Assert.Equal(25, feed.Top); // the tail asks above the newest record read, hidden or not

        _ownReads.UnionWith([26, 27]);
        _log.AddRange([26, 27]);
        Assert.False(await feed.RefreshNewerAsync()); // only hidden ones arrived: nothing to show
        _log.Add(28);
        Assert.True(await feed.RefreshNewerAsync());
        Assert.Equal(28, feed.Items[0].Sequence);

        feed.Pause();
        _ownReads.UnionWith([30, 31]);
        _log.AddRange([29, 30, 31]);
        await feed.RefreshNewerAsync();
        Assert.Equal(1, feed.Pending); // 29: the hidden ones are not news

        await feed.SetHiddenAsync(null);
        Assert.Equal(28, feed.Items.Count); // what was read shows again at once
        Assert.Equal(0, feed.HiddenCount);
    }

    private AuditFeed NewFeed(int pageSize) => new(
        (_, cursor, size, _) => Task.FromResult(Page(_log.Where(s => cursor is null || s < cursor), size)),
        (_, newer, size, _) => Task.FromResult(Page(_log.Where(s => s > newer), size)),
        pageSize);

    private AuditSearchPage Page(IEnumerable<long> sequences, int size)
    {
        var all = sequences.OrderDescending().ToList();
        var items = all.Take(size).Select(s => _ownReads.Contains(s) ? Record(s) with { Action = "audit.searched" } : Record(s)).ToList();
        return new AuditSearchPage(items, all.Count > size ? items[^1].Sequence : null);
    }

    internal static AuditRecordView Record(long sequence) => new(
        sequence, DateTimeOffset.UnixEpoch.AddSeconds(sequence), "user", "id", "alice", ["Sre"], "backups.run.started", "backup", "db1",
        "succeeded", null, null, null, null, new Dictionary<string, string?>(), new string('0', 64), new string('1', 64));
}
