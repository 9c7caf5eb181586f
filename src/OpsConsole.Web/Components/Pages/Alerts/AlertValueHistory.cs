using System.Collections.Concurrent;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Web.Components.Pages.Alerts;

/// <summary>An alert's value over time, evenly spaced for a sparkline.</summary>
/// <param name="From">The first value's time.</param>
/// <param name="Step">Time between two values.</param>
public sealed record AlertValueSeries(DateTimeOffset From, TimeSpan Step, double[] Values);

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

    /// <summary>The alert's value from when it was first seen (at most <see cref="Window"/> ago) to now, each step holding the value then; null with fewer than two steps.</summary>
    public AlertValueSeries? For(long id, DateTimeOffset now)
    {
        if (!_samples.TryGetValue(id, out var samples))
        {
            return null;
        }

        (DateTimeOffset At, double Value)[] copy;
        lock (samples)
        {
            copy = [.. samples];
        }

        if (copy.Length == 0)
        {
            return null;
        }

        var from = copy[0].At > now - Window ? copy[0].At : now - Window;
        var step = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, (now - from).Ticks / MaxPoints));
        var count = (int)((now - from).Ticks / step.Ticks) + 1;
        if (count < 2)
        {
            return null;
        }

        var values = new double[count];
        var next = 0;
        var last = double.NaN;
        for (var i = 0; i < count; i++)
        {
            var at = from + (step * i);
            while (next < copy.Length && copy[next].At <= at)
            {
                last = copy[next++].Value;
            }

            values[i] = last;
        }

        return new AlertValueSeries(from, step, values);
    }

    public void Dispose() => _subscription?.Dispose();
}
