using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// The console's own alerts (<see cref="ConsoleAlertBoard"/>, e.g. <c>audit.integrity</c>) become alerts in the store
/// with source <see cref="AlertSource.Console"/>: raised ones fire, resolved ones resolve. Every instance hears every
/// raise and resolve (the board's topic is distributed) and reports it; the store records each change once. The board
/// is in memory, so a console alert still firing in the store after a restart is resolved by its producer's next
/// intact check only if that producer raises it again first; otherwise resolve it by hand.
/// A severity change is a new alert (its labels changed), and the old one resolves, as in Alertmanager.
/// </summary>
public sealed partial class ConsoleAlertBridge(
    ConsoleAlertBoard board,
    AlertRecorder recorder,
    AlertStore store,
    ILiveEvents live,
    DatabaseState database,
    TimeProvider time,
    ILogger<ConsoleAlertBridge> logger) : BackgroundService
{
    public const string RuleKey = "console";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LabelSet> _reported = new(StringComparer.Ordinal);

    public static AlertInstance ToInstance(string name, ConsoleAlert? alert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = LabelSet.Of(
            ("alertname", name),
            ("severity", (alert?.Severity ?? ConsoleAlertSeverity.Critical).ToString().ToLowerInvariant()),
            ("component", alert?.Source ?? ""));
        return alert is null
            ? new AlertInstance(AlertSource.Console, LabelSet.Of(("alertname", name)), new Dictionary<string, string>(), AlertState.Resolved, now, null, now, null, null, "console")
            : new AlertInstance(AlertSource.Console, labels, new Dictionary<string, string> { ["summary"] = alert.Summary }, AlertState.Firing,
                alert.Since, alert.Since, null, null, null, $"console: {alert.Source}");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, stoppingToken);
        }

        await store.Loaded.WaitAsync(stoppingToken);
        using var subscription = live.Subscribe(ConsoleAlertTopics.Changed, e => ReportAsync(e.Payload.Name, e.Payload.Alert, stoppingToken));
        foreach (var alert in board.Active)
        {
            await ReportAsync(alert.Name, alert, stoppingToken);
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken); // the subscription does the work until the host stops
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private Task ReportAsync(string name, ConsoleAlert? alert, CancellationToken cancellationToken) =>
        BackgroundLoop.PassAsync(
            async ct =>
            {
                var now = time.GetUtcNow();
                var instance = ToInstance(name, alert, now);
                // What is current under this name (another severity, or a resolve that carries only the name) resolves.
                var batch = Current(name)
                    .Where(labels => alert is null || !labels.Equals(instance.Labels))
                    .Select(labels => ToInstance(name, null, now) with { Labels = labels })
                    .ToList();
                if (alert is not null)
                {
                    batch.Add(instance);
                }

                if (batch.Count > 0)
                {
                    await recorder.RecordAsync(AuditActors.System, RuleKey, batch, null, cancellationToken);
                }

                if (alert is null)
                {
                    _reported.TryRemove(name, out _);
                }
                else
                {
                    _reported[name] = instance.Labels;
                }
            },
            ex => LogReportFailed(name, ex.GetBaseException().Message),
            cancellationToken);

    private IEnumerable<LabelSet> Current(string name)
    {
        var found = store.Current.Alerts
            .Where(a => a.Source == AlertSource.Console && a.State != AlertState.Resolved && a.Name == name)
            .Select(a => a.Labels)
            .ToList();
        if (_reported.TryGetValue(name, out var reported) && !found.Contains(reported))
        {
            found.Add(reported);
        }

        return found;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console alert {Name} could not be recorded in the alert store: {Reason}")]
    private partial void LogReportFailed(string name, string reason);
}
