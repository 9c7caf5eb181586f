using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// Queues outward notifications in the transaction of the change that causes them, so a change and its notification
/// commit together. One pending row per receiver and group: a change while one waits rides along with it.
/// </summary>
internal static class NotificationQueue
{
    /// <summary>The receivers whose route matches the labels.</summary>
    public static IEnumerable<AlertReceiver> RoutesFor(IReadOnlyList<AlertReceiver> receivers, LabelSet labels) =>
        receivers.Where(r => AlertMatchers.MatchesAll(r.Matchers, labels));

    /// <summary>The labels that name the alert's group for a receiver (all labels for "...").</summary>
    public static LabelSet GroupLabels(AlertReceiver receiver, LabelSet labels) =>
        receiver.GroupBy is null
            ? labels
            : new LabelSet(receiver.GroupBy.Select(name => new KeyValuePair<string, string>(name, labels[name] ?? "")));

    /// <summary>Alertmanager's shape of a group key: the route's matchers, then the group's labels.</summary>
    public static string GroupKey(AlertReceiver receiver, LabelSet groupLabels) =>
        $"{{}}/{{{string.Join(",", receiver.Matchers.Select(m => m.ToString()))}}}:{groupLabels}";

    public static async Task<int> EnqueueAsync(ConsoleDbContext db, IReadOnlyList<AlertReceiver> receivers, IEnumerable<LabelSet> alerts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var groups = new Dictionary<(string Receiver, string Key), (AlertReceiver Receiver, LabelSet Labels)>();
        foreach (var labels in alerts)
        {
            foreach (var receiver in RoutesFor(receivers, labels))
            {
                var groupLabels = GroupLabels(receiver, labels);
                groups.TryAdd((receiver.Name, GroupKey(receiver, groupLabels)), (receiver, groupLabels));
            }
        }

        var queued = 0;
        // In a fixed order, so two instances queueing the same groups never wait on each other in a cycle.
        foreach (var ((name, key), (receiver, labels)) in groups.OrderBy(g => g.Key.Receiver, StringComparer.Ordinal).ThenBy(g => g.Key.Key, StringComparer.Ordinal))
        {
            var json = AlertText.Json(labels.Labels);
            var notBefore = now + receiver.GroupWait;
            queued += await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO console.alert_notifications (receiver, group_key, group_labels, status, created_at, not_before, attempts, alert_count)
                VALUES ({name}, {key}, {json}::jsonb, 'pending', {now}, {notBefore}, 0, 0)
                ON CONFLICT (receiver, group_key) WHERE status = 'pending' DO NOTHING
                """,
                cancellationToken);
        }

        return queued;
    }
}

/// <summary>Wakes this instance's notifier after a commit that queued notifications (other instances' rows are polled).</summary>
public sealed class NotificationSignal
{
    private readonly Channel<bool> _channel =
        Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Signal() => _channel.Writer.TryWrite(true);

    /// <summary>Returns when signalled or after <paramref name="timeout"/>.</summary>
    internal async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // the poll interval passed
        }
    }
}
