using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

public enum ConsoleAlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>A condition of the console itself that people must see (e.g. "audit log integrity broken").</summary>
public sealed record ConsoleAlert(string Name, ConsoleAlertSeverity Severity, string Summary, DateTimeOffset Since, string Source);

/// <summary>An alert raised or changed (<see cref="Alert"/> set), or resolved (<see cref="Alert"/> null).</summary>
public sealed record ConsoleAlertChanged(string Name, ConsoleAlert? Alert);

public static class ConsoleAlertTopics
{
    /// <summary>Distributed: every instance's board, and the pages that show it, follow raises and resolves anywhere.</summary>
    public static LiveTopic<ConsoleAlertChanged> Changed { get; } = new("console.alerts.changed", Distributed: true);
}

/// <summary>
/// The hook for the console's own alerts until the alerts capability arrives: a process-wide registry of named
/// alerts with severity, summary and since, mirrored across instances through <see cref="ConsoleAlertTopics.Changed"/>.
/// Producers (today: the scheduled audit verification) call <see cref="Raise"/> and <see cref="Resolve"/>; the alerts
/// capability will read <see cref="Active"/>, subscribe to the topic, and route them (notifications, acks). The board
/// is in memory: after a restart the producer raises again at its next check.
/// </summary>
public sealed class ConsoleAlertBoard(ILiveEvents live, TimeProvider time) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, ConsoleAlert> _active = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    public IReadOnlyList<ConsoleAlert> Active => [.. _active.Values.OrderByDescending(a => a.Severity).ThenBy(a => a.Since)];

    public ConsoleAlert? Find(string name) => _active.TryGetValue(name, out var alert) ? alert : null;

    /// <summary>Raises (or updates) the alert; an unchanged alert keeps its <see cref="ConsoleAlert.Since"/>. Returns it.</summary>
    public ConsoleAlert Raise(string name, ConsoleAlertSeverity severity, string summary, string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var alert = _active.AddOrUpdate(
            name,
            _ => new ConsoleAlert(name, severity, summary, time.GetUtcNow(), source),
            (_, existing) => existing with { Severity = severity, Summary = summary, Source = source });
        Interlocked.Increment(ref _version);
        live.Publish(ConsoleAlertTopics.Changed, new ConsoleAlertChanged(name, alert));
        return alert;
    }

    /// <summary>True when the alert was active.</summary>
    public bool Resolve(string name)
    {
        if (!_active.TryRemove(name, out _))
        {
            return false;
        }

        Interlocked.Increment(ref _version);
        live.Publish(ConsoleAlertTopics.Changed, new ConsoleAlertChanged(name, null));
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Mirror other instances' raises and resolves (our own are applied already).
        _subscription = live.Subscribe(ConsoleAlertTopics.Changed, e =>
        {
            if (!string.Equals(e.OriginInstance, live.InstanceId, StringComparison.Ordinal))
            {
                if (e.Payload.Alert is { } alert)
                {
                    _active[e.Payload.Name] = alert;
                }
                else
                {
                    _active.TryRemove(e.Payload.Name, out _);
                }

                Interlocked.Increment(ref _version);
            }

            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }

    public void Dispose() => _subscription?.Dispose();

    private long _version;

    /// <summary>Moves with every raise and resolve, here or on another instance.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>
    /// Calls <paramref name="onChanged"/> (at most four times a second) when the board changes. A view that read the
    /// board at <paramref name="seenVersion"/> is called once at once if it moved before the subscription existed.
    /// </summary>
    public IDisposable OnChanged(long seenVersion, Func<Task> onChanged) =>
        live.SubscribeThrottled(ConsoleAlertTopics.Changed, TimeSpan.FromMilliseconds(250), onChanged, filter: null, () => Version != seenVersion);
}

public static class ConsoleAlertHosting
{
    /// <summary>Registers the board once (several capabilities may ask for it).</summary>
    public static IServiceCollection AddConsoleAlertBoard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(ConsoleAlertBoard)))
        {
            return services;
        }

        services.AddLiveEvents();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ConsoleAlertBoard>();
        services.AddHostedService(sp => sp.GetRequiredService<ConsoleAlertBoard>());
        return services;
    }
}
