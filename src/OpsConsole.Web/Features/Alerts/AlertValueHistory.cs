using System.Collections.Concurrent;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>An alert's value over time, evenly spaced for a sparkline.</summary>
/// <param name="From">The first value's time.</param>
/// <param name="Step">Time between two values.</param>
/// <param name="Evaluated">True: the rule's expression evaluated again for each point; false: values seen reported.</param>
public sealed record AlertValueSeries(DateTimeOffset From, TimeSpan Step, double[] Values, bool Evaluated = false);

/// <summary>
/// The values the rule engine reported for each current alert (they reach the store's snapshots at every evaluation
/// that changed them), kept in memory on this instance for the detail's sparkline. The store keeps only the latest
/// value and the rule's expression is not reachable from an alert, so this is the history since this console saw
/// the alert, at most <see cref="Window"/>.
/// </summary>
public sealed class AlertValueHistory(AlertStore store, TimeProvider time) : IHostedService, IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public const int MaxPoints = 60;
    private const int MaxSamples = 720;

    private readonly ConcurrentDictionary<long, List<(DateTimeOffset At, double Value)>> _samples = new();
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = store.OnAlertsChanged(() =>
        {
            Record(store.Current.Alerts, time.GetUtcNow());
            return Task.CompletedTask;
        });
        Record(store.Current.Alerts, time.GetUtcNow());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Notes the current alerts' values at <paramref name="now"/> and forgets alerts that are no longer current.</summary>
    public void Record(IEnumerable<AlertView> alerts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        var current = new HashSet<long>();
        foreach (var alert in alerts)
        {
            if (alert.State == AlertState.Resolved || alert.Value is not { } value)
            {
                continue;
            }

            current.Add(alert.Id);
            var samples = _samples.GetOrAdd(alert.Id, _ => []);
            lock (samples)
            {
                if (samples.Count == 0 || samples[^1].Value.CompareTo(value) != 0)
                {
                    samples.Add((now, value));
                }

                var cut = samples.FindIndex(s => s.At >= now - Window);
                if (cut > 1)
                {
                    samples.RemoveRange(0, cut - 1); // keep one older sample: the value at the window's start
                }

                if (samples.Count > MaxSamples)
                {
                    samples.RemoveRange(0, samples.Count - MaxSamples);
                }
            }
        }

        foreach (var id in _samples.Keys)
        {
            if (!current.Contains(id))
            {
                _samples.TryRemove(id, out _);
            }
        }
    }

    /// <summary>
    /// The alert's value from when it was first seen (at most <see cref="Window"/> ago) up to now, each step holding the
    /// value then; null with fewer than two steps. <paramref name="latest"/> is the value in the caller's snapshot, which
    /// may be newer than the last one noted here (subscribers are told in no particular order).
    /// </summary>
    public AlertValueSeries? For(long id, DateTimeOffset now, double? latest = null)
    {
        if (!_samples.TryGetValue(id, out var samples))
        {
            return null;
        }

        List<(DateTimeOffset At, double Value)> copy;
        lock (samples)
        {
            copy = [.. samples];
        }

        if (copy.Count == 0)
        {
            return null;
        }

        if (latest is { } value && copy[^1].Value.CompareTo(value) != 0)
        {
            copy.Add((now, value));
        }

        var first = copy[0].At > now - Window ? copy[0].At : now - Window;
        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, (now - first).Ticks / MaxPoints));
        var count = (int)((now - first).Ticks / step.Ticks) + 1;
        if (count < 2)
        {
            return null;
        }

        // The grid ends at now, so the newest value is always the last point.
        var from = now - (step * (count - 1));
        var values = new double[count];
        var next = 0;
        var last = double.NaN;
        for (var i = 0; i < count; i++)
        {
            var at = from + (step * i);
            while (next < copy.Count && copy[next].At <= at)
            {
                last = copy[next++].Value;
            }

            values[i] = last;
        }

        return new AlertValueSeries(from, step, values);
    }

    public void Dispose() => _subscription?.Dispose();
}
