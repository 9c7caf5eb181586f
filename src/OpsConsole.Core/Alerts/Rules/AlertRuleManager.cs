using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// Loads the rule files, runs one evaluation loop per group on its interval (rules in order, driven by the
/// <see cref="TimeProvider"/>), reports every rule's alerts to the <see cref="IAlertSink"/>s after each evaluation, and
/// reloads when the files change (file watcher, plus a periodic content hash). A load that fails keeps the rules that
/// are running, shows the error in <see cref="Status"/>, the log and a console alert, which a good load resolves.
/// </summary>
public sealed partial class AlertRuleManager : BackgroundService
{
    /// <summary>The console alert raised while the rule files cannot be loaded.</summary>
    public const string LoadFailedAlert = "AlertRuleFilesInvalid";

    /// <summary>Changes arrive in bursts (an editor's several writes): the load waits this long after the first.</summary>
    internal static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private readonly AlertRulesOptions _options;
    private readonly RuleEngineSelection _engines;
    private readonly IReadOnlyList<IAlertSink> _sinks;
    private readonly ILiveEvents _live;
    private readonly ConsoleAlertBoard _board;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertRuleManager> _logger;
    private readonly RuleSetLoader _loader;
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly Channel<string> _changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RuleFileWatcher _watcher;
    private readonly Lock _stateLock = new();

    private Running _running = new(RuleSet.Empty, []);
    private RuleLoadResult? _lastAttempt;
    private DateTimeOffset? _lastLoadedAt;
    private DateTimeOffset? _lastAttemptAt;
    private string? _lastAttemptHash;
    private CancellationToken _stopping;
    private volatile bool _started;

    // Seven dependencies: rules come from options and files (environment), run on an engine, report to sinks, and say
    // what happened on the bus and the console alert board, on a clock; splitting them would split one evaluation loop.
    public AlertRuleManager(
        IOptions<AlertRulesOptions> options,
        RuleEngineSelection engines,
        IEnumerable<IAlertSink> sinks,
        ILiveEvents live,
        ConsoleAlertBoard board,
        TimeProvider time,
        IHostEnvironment environment,
        ILogger<AlertRuleManager> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        _options = options.Value;
        _engines = engines;
        _sinks = [.. sinks];
        _live = live;
        _board = board;
        _time = time;
        _logger = logger;
        _loader = new RuleSetLoader(environment.ContentRootPath);
        _watcher = new RuleFileWatcher(reason => _changes.Writer.TryWrite(reason));
    }

    /// <summary>The rule files and every rule's health, last evaluation and current alerts, for the rules page.</summary>
    public RuleSetStatus Status
    {
        get
        {
            Running running;
            RuleLoadResult? attempt;
            lock (_stateLock)
            {
                running = _running;
                attempt = _lastAttempt;
            }

            return new RuleSetStatus(
                _options.RuleFiles,
                attempt?.Files ?? running.RuleSet.Files,
                _lastLoadedAt,
                _lastAttemptAt,
                attempt?.ErrorText,
                attempt?.Errors ?? [],
                _engines.Description,
                [.. running.Groups.Select(g => g.ToStatus())]);
        }
    }

    /// <summary>Loads the files now (also what the watcher and the periodic check call); returns the outcome.</summary>
    public async Task<RuleLoadResult> ReloadAsync(string reason, CancellationToken cancellationToken)
    {
        await _reloadLock.WaitAsync(cancellationToken);
        try
        {
            return await ReloadLockedAsync(reason, cancellationToken);
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <summary>Evaluates one group at <paramref name="at"/> outside its loop (tests, and a "run now" on the rules page).</summary>
    public Task EvaluateGroupAsync(string groupKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Running running;
        lock (_stateLock)
        {
            running = _running;
        }

        var group = running.Groups.FirstOrDefault(g => g.Definition.Key == groupKey)
            ?? throw new ArgumentException($"no rule group \"{groupKey}\" is loaded", nameof(groupKey));
        return EvaluateAsync(group, at, cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Running running;
        lock (_stateLock)
        {
            running = _running;
        }

        await StopLoopsAsync(running);
    }

    public override void Dispose()
    {
        _watcher.Dispose();
        _reloadLock.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        _started = true; // loops run only in the hosted service; tests that drive evaluations themselves never start it
        await ReloadAsync("start", stoppingToken);
        var periodic = CheckPeriodicallyAsync(stoppingToken);
        try
        {
            while (await _changes.Reader.WaitToReadAsync(stoppingToken))
            {
                // Let a burst of events settle, then look once: unchanged content (a touch, a rewrite) loads nothing.
                await Task.Delay(Debounce, _time, stoppingToken);
                while (_changes.Reader.TryRead(out _))
                {
                }

                var hash = await _loader.HashAsync(_options.RuleFiles, stoppingToken);
                if (hash != _lastAttemptHash)
                {
                    await ReloadAsync("rule files changed", stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await periodic;
    }

    private async Task CheckPeriodicallyAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_options.RuleFileCheckInterval, _time, stoppingToken);
                try
                {
                    if (await _loader.HashAsync(_options.RuleFiles, stoppingToken) != _lastAttemptHash)
                    {
                        _changes.Writer.TryWrite("periodic check: content changed");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogCheckFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<RuleLoadResult> ReloadLockedAsync(string reason, CancellationToken cancellationToken)
    {
        var attemptAt = _time.GetUtcNow();
        RuleMetrics.Reloads.Inc();
        RuleLoadResult result;
        try
        {
            result = await _loader.LoadAsync(_options.RuleFiles, _options.EvaluationInterval, _engines.Engine, _engines.Unavailable, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result = new RuleLoadResult(null, [new RuleLoadError(string.Join(", ", _options.RuleFiles), 0, 0, null, null, $"loading failed: {ex.Message}")], [], "");
        }

        _lastAttemptHash = result.Hash;
        _watcher.Watch(_loader.WatchedDirectories(_options.RuleFiles));
        Running previous;
        lock (_stateLock)
        {
            previous = _running;
            _lastAttempt = result;
            _lastAttemptAt = attemptAt;
        }

        if (result.RuleSet is not { } ruleSet)
        {
            RuleMetrics.ReloadFailures.Inc();
            RuleMetrics.LastReloadSuccessful.Set(0);
            var kept = previous.RuleSet.RuleCount;
            LogLoadFailed(reason, kept, result.ErrorText ?? "");
            _board.Raise(
                LoadFailedAlert,
                kept > 0 ? ConsoleAlertSeverity.Warning : ConsoleAlertSeverity.Critical,
                $"Alert rule files cannot be loaded ({result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}; first: {result.Errors[0]}). " +
                (kept > 0 ? $"The previous {kept} rules keep running." : "No alert rules are running."),
                "Alerts:RuleFiles");
            _live.Publish(AlertRuleTopics.Loaded, new RuleSetLoaded(false, attemptAt, previous.Groups.Count, kept, result.ErrorText));
            return result;
        }

        await StopLoopsAsync(previous);
        var next = new Running(ruleSet, [.. ruleSet.Groups.Select(g => new GroupRuntime(g))]);
        var retired = CarryOver(previous, next);
        bool first;
        lock (_stateLock)
        {
            first = _lastLoadedAt is null;
            _running = next;
            _lastLoadedAt = attemptAt;
        }

        if (first)
        {
            await RestoreAsync(next, cancellationToken);
        }

        foreach (var (rule, alerts) in retired)
        {
            await ReportAsync(rule, alerts, cancellationToken);
        }

        RuleMetrics.LastReloadSuccessful.Set(1);
        LogLoaded(reason, ruleSet.Files.Count, ruleSet.Groups.Count, ruleSet.RuleCount, _engines.Description);
        _board.Resolve(LoadFailedAlert);
        _live.Publish(AlertRuleTopics.Loaded, new RuleSetLoaded(true, attemptAt, ruleSet.Groups.Count, ruleSet.RuleCount, null));
        foreach (var group in next.Groups)
        {
            StartLoop(group);
        }

        return result;
    }

    /// <summary>
    /// Moves alert state and health to the new rules that match old ones (same file, group, name and labels, in order,
    /// as Prometheus does) and returns the alerts of old rules that are gone, to be reported resolved.
    /// </summary>
    private List<(AlertingRule Rule, IReadOnlyList<AlertInstance> Alerts)> CarryOver(Running previous, Running next)
    {
        var now = _time.GetUtcNow();
        var oldByKey = previous.Groups.ToDictionary(g => g.Definition.Key);
        var retired = new List<(AlertingRule, IReadOnlyList<AlertInstance>)>();
        foreach (var group in next.Groups)
        {
            if (!oldByKey.Remove(group.Definition.Key, out var old))
            {
                continue;
            }

            group.Last = old.Last;
            var unmatched = old.Rules.ToList();
            foreach (var rule in group.Rules)
            {
                var match = unmatched.FirstOrDefault(o => SameIdentity(o.Definition, rule.Definition));
                if (match is not null)
                {
                    rule.CopyStateFrom(match);
                    unmatched.Remove(match);
                }
            }

            retired.AddRange(unmatched.Select(r => (r, r.Retire(now))).Where(r => r.Item2.Count > 0));
        }

        foreach (var group in oldByKey.Values)
        {
            retired.AddRange(group.Rules.Select(r => (r, r.Retire(now))).Where(r => r.Item2.Count > 0));
        }

        return retired;
    }

    /// <summary>The first load after a start resumes the firing alerts the store holds for each rule (see <see cref="AlertingRule.Restore"/>).</summary>
    private async Task RestoreAsync(Running running, CancellationToken cancellationToken)
    {
        var rules = running.Groups.SelectMany(g => g.Rules).ToList();
        foreach (var state in _sinks.OfType<IRuleAlertState>())
        {
            IReadOnlyDictionary<string, IReadOnlyList<AlertInstance>> held;
            try
            {
                held = await state.HeldAsync([.. rules.Select(r => r.Key)], cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Without the store the rules start afresh, as on a first start: their alerts go through pending again.
                LogRestoreFailed(ex.GetBaseException().Message);
                return;
            }

            foreach (var rule in rules)
            {
                var restored = rule.Restore(held.TryGetValue(rule.Key, out var alerts) ? alerts : []);
                if (restored > 0)
                {
                    LogRestored(restored, rule.Origin);
                }
            }
        }
    }

    private static bool SameIdentity(AlertingRuleDefinition a, AlertingRuleDefinition b) =>
        a.Name == b.Name
        && a.Labels.Select(l => (l.Name, l.Template.Text)).SequenceEqual(b.Labels.Select(l => (l.Name, l.Template.Text)));

    private void StartLoop(GroupRuntime group)
    {
        if (!_started || _stopping.IsCancellationRequested)
        {
            return;
        }

        group.Cancellation = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        var token = group.Cancellation.Token;
        // The first evaluation at once, or one interval after the group's last one when a reload kept it.
        var first = group.Last?.At is { } last && last + group.Definition.Interval > _time.GetUtcNow()
            ? last + group.Definition.Interval
            : _time.GetUtcNow();
        group.Loop = Task.Run(() => RunLoopAsync(group, first, token), CancellationToken.None);
    }

    private async Task RunLoopAsync(GroupRuntime group, DateTimeOffset first, CancellationToken cancellationToken)
    {
        var interval = group.Definition.Interval;
        var next = first;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = next - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }

                await EvaluateAsync(group, next, cancellationToken);
                next += interval;
                var behind = _time.GetUtcNow() - next;
                if (behind >= interval)
                {
                    // Ran past whole intervals: skip them rather than evaluate in a burst, as Prometheus does.
                    var missed = (long)(behind / interval);
                    RuleMetrics.GroupIterationsMissed.WithLabels(group.Definition.Key).Inc(missed);
                    next += interval * missed;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogLoopFailed(ex, group.Definition.Key);
        }
    }

    private static async Task StopLoopsAsync(Running running)
    {
        foreach (var group in running.Groups)
        {
            if (group.Cancellation is { } cancellation)
            {
                await cancellation.CancelAsync();
            }
        }

        foreach (var group in running.Groups)
        {
            if (group.Loop is { } loop)
            {
                await loop;
            }

            group.Cancellation?.Dispose();
            group.Cancellation = null;
        }
    }

    private async Task EvaluateAsync(GroupRuntime group, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var engine = _engines.Engine;
        var groupClock = Stopwatch.StartNew();
        var failed = 0;
        var key = group.Definition.Key;
        foreach (var rule in group.Rules)
        {
            var clock = Stopwatch.StartNew();
            IReadOnlyList<AlertInstance>? report = null;
            RuleMetrics.Evaluations.WithLabels(key).Inc();
            try
            {
                var samples = engine is null
                    ? throw new InvalidOperationException(_engines.Unavailable ?? "no rule engine")
                    : await engine.EvaluateAsync(rule.Definition.Expression, at, cancellationToken);
                report = rule.Apply(samples, at, clock.Elapsed, _options.ExternalLabels);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (RuleEvaluationException ex)
            {
                failed++;
                RuleMetrics.EvaluationFailures.WithLabels(key).Inc();
                LogRuleFailed(rule.Origin, ex.Message);
                report = ex.Report.Count > 0 ? ex.Report : null;
            }
            catch (Exception ex)
            {
                failed++;
                RuleMetrics.EvaluationFailures.WithLabels(key).Inc();
                rule.Failed(at, clock.Elapsed, Describe(ex));
                LogRuleFailed(rule.Origin, Describe(ex));
            }

            RuleMetrics.EvaluationDuration.Observe(clock.Elapsed.TotalSeconds);
            if (report is not null)
            {
                await ReportAsync(rule, report, cancellationToken);
            }
        }

        group.Last = new GroupRun(at, groupClock.Elapsed);
        RuleMetrics.GroupLastDuration.WithLabels(key).Set(groupClock.Elapsed.TotalSeconds);
        var alerts = group.Rules.SelectMany(r => r.ActiveAlerts).ToList();
        _live.Publish(AlertRuleTopics.GroupEvaluated, new RuleGroupEvaluated(
            group.Definition.File, group.Definition.Name, at, groupClock.Elapsed,
            alerts.Count(a => a.State == AlertState.Pending), alerts.Count(a => a.State == AlertState.Firing), failed));
    }

    private static string Describe(Exception ex) => ex switch
    {
        RuleExpressionException positioned => $"{positioned.Message} (line {positioned.Line}, column {positioned.Column})",
        _ => ex.Message,
    };

    private async Task ReportAsync(AlertingRule rule, IReadOnlyList<AlertInstance> alerts, CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.ReportAsync(rule.Key, alerts, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The store being down must not stop evaluation; the next evaluation reports the full state again.
                RuleMetrics.SinkFailures.Inc();
                LogSinkFailed(ex, rule.Origin);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert rules loaded ({Reason}): {Files} files, {Groups} groups, {Rules} rules, evaluated by {Engine}")]
    private partial void LogLoaded(string reason, int files, int groups, int rules, string engine);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert rule files cannot be loaded ({Reason}); {Kept} previous rules keep running:\n{Errors}")]
    private partial void LogLoadFailed(string reason, int kept, string errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed {Count} firing alert(s) of rule {Rule} from the alert store")]
    private partial void LogRestored(int count, string rule);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert rules' state could not be read from the alert store ({Error}); rules start without it")]
    private partial void LogRestoreFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert rule {Rule} failed: {Error}")]
    private partial void LogRuleFailed(string rule, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reporting the alerts of rule {Rule} failed")]
    private partial void LogSinkFailed(Exception ex, string rule);

    [LoggerMessage(Level = LogLevel.Error, Message = "The evaluation loop of rule group {Group} stopped")]
    private partial void LogLoopFailed(Exception ex, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking the rule files for changes failed")]
    private partial void LogCheckFailed(Exception ex);

    private sealed record GroupRun(DateTimeOffset At, TimeSpan Duration);

    private sealed record Running(RuleSet RuleSet, IReadOnlyList<GroupRuntime> Groups);

    private sealed class GroupRuntime(RuleGroupDefinition definition)
    {
        public RuleGroupDefinition Definition { get; } = definition;

        public IReadOnlyList<AlertingRule> Rules { get; } = [.. definition.Rules.Select(r => new AlertingRule(definition, r))];

        /// <summary>Swapped whole, so the status never reads a time from one evaluation and a duration from another.</summary>
        public GroupRun? Last { get; set; }

        public CancellationTokenSource? Cancellation { get; set; }

        public Task? Loop { get; set; }

        public RuleGroupStatus ToStatus() => new(
            Definition.File,
            Definition.Name,
            Definition.Interval,
            Definition.Limit,
            Last?.At,
            Last?.Duration,
            [.. Rules.Select(r =>
            {
                var status = r.Status;
                var d = r.Definition;
                return new AlertRuleStatus(
                    Definition.File, Definition.Name, d.Index, d.Name, d.Expression, d.For, d.KeepFiringFor,
                    d.Labels.ToDictionary(l => l.Name, l => l.Template.Text, StringComparer.Ordinal),
                    d.Annotations.ToDictionary(a => a.Name, a => a.Template.Text, StringComparer.Ordinal),
                    status.Health, status.LastError, status.LastEvaluation, status.LastDuration, r.ActiveAlerts,
                    AlertingRule.Anchor(Definition, d));
            })]);
    }

    /// <summary>Calls <paramref name="onChanged"/> when a group was evaluated (at most twice a second) or the rules were (re)loaded.</summary>
    public IDisposable OnRulesChanged(Func<Task> onChanged)
    {
        var evaluated = _live.SubscribeThrottled(AlertRuleTopics.GroupEvaluated, TimeSpan.FromMilliseconds(500), onChanged);
        var loaded = _live.SubscribeThrottled(AlertRuleTopics.Loaded, TimeSpan.FromMilliseconds(250), onChanged);
        return new Live.Subscriptions(evaluated, loaded);
    }
}
