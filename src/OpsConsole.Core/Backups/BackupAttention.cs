using System.Globalization;
using OpsConsole.Core.Access;
using OpsConsole.Core.Attention;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Backups;

/// <summary>One database's backup state as the board and the wall's strip read it (from memory, refreshed by <see cref="BackupMetrics"/>).</summary>
public sealed record BackupFreshnessEntry(string Database, BackupFreshness Freshness, DateTimeOffset? LastBackup, TimeSpan Rpo, bool LastRunFailed, bool? LastDrillPassed);

/// <summary>
/// The status board's "Backups" section: databases past their RPO (critical) or past 80 % of it (warning), a failed
/// last backup, a failed last drill. Items are what <see cref="BackupMetrics"/> computed at its last refresh.
/// </summary>
public sealed class BackupAttention(ILiveEvents live) : IAttentionSource
{
    private static readonly LiveTopic<int> Updated = new("backups.attention.updated");
    private volatile IReadOnlyList<AttentionItem> _items = [];
    private volatile IReadOnlyList<BackupFreshnessEntry> _freshness = [];

    public string Section => "Backups";

    public string Policy => ConsolePolicies.BackupsRead;

    public IReadOnlyList<AttentionItem> Items => _items;

    /// <summary>Every managed database's freshness, in catalog order (the wall's strip).</summary>
    public IReadOnlyList<BackupFreshnessEntry> Freshness => _freshness;

    public IDisposable OnChanged(Func<Task> onChanged) => live.SubscribeThrottled(Updated, TimeSpan.FromMilliseconds(500), onChanged);

    internal void Update(IReadOnlyList<BackupFreshnessEntry> entries, DateTimeOffset now)
    {
        var items = new List<AttentionItem>();
        foreach (var e in entries)
        {
            var href = $"/databases/{e.Database}";
            var age = e.LastBackup is { } last ? Ago(now - last) : null;
            if (e.Freshness == BackupFreshness.TooOld)
            {
                items.Add(new AttentionItem($"backup-too-old:{e.Database}", AttentionLevel.Critical,
                    e.LastBackup is null ? $"{e.Database} has no backup" : $"{e.Database}: newest backup {age} old",
                    $"RPO {Format(e.Rpo)}", e.LastBackup ?? now, href));
            }
            else if (e.Freshness == BackupFreshness.Ageing)
            {
                items.Add(new AttentionItem($"backup-ageing:{e.Database}", AttentionLevel.Warning, $"{e.Database}: newest backup {age} old",
                    $"past 80 % of its RPO of {Format(e.Rpo)}", e.LastBackup ?? now, href));
            }

            if (e.LastRunFailed)
            {
                items.Add(new AttentionItem($"backup-failed:{e.Database}", AttentionLevel.Warning, $"{e.Database}: the last backup failed", "see its operation's log", now, href));
            }

            if (e.LastDrillPassed == false)
            {
                items.Add(new AttentionItem($"drill-failed:{e.Database}", AttentionLevel.Critical, $"{e.Database}: the last restore drill failed", "a restore may not work", now, href));
            }
        }

        var changed = !items.Select(i => (i.Key, i.Title)).SequenceEqual(_items.Select(i => (i.Key, i.Title)))
                      || !entries.SequenceEqual(_freshness);
        _items = items;
        _freshness = entries;
        if (changed)
        {
            live.Publish(Updated, items.Count);
        }
    }

    internal static string Format(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalHours % 24 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalDays:0}d")
        : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#}h")
        : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0}m");

    private static string Ago(TimeSpan age) =>
        age < TimeSpan.FromHours(1) ? $"{Math.Max(0, (int)age.TotalMinutes)} min"
        : age < TimeSpan.FromDays(2) ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{age.TotalDays:0.#} days");
}
