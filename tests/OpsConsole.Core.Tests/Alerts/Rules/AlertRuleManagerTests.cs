using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class AlertRuleManagerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-rules-");
    private readonly LiveEventBus _live = new();
    private readonly ScriptedEngine _engine = new();
    private readonly RecordingSink _sink = new();

    public void Dispose()
    {
        _root.Delete(recursive: true);
    }

    private const string Good = """
        groups:
          - name: shop
            interval: 15s
            rules:
              - alert: Errors
                expr: errors
                for: 30s
                labels: {severity: critical}
              - alert: Down
                expr: down
        """;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_root.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private (AlertRuleManager Manager, ConsoleAlertBoard Board) Manager(TimeProvider time, params string[] ruleFiles)
    {
        var options = Options.Create(new AlertRulesOptions { RuleFiles = [.. ruleFiles], RuleFileCheckInterval = TimeSpan.FromSeconds(30) });
        var board = new ConsoleAlertBoard(_live, time);
        var environment = new HostingEnvironment { ContentRootPath = _root.FullName };
        var manager = new AlertRuleManager(options, new RuleEngineSelection(_engine), [_sink], _live, board, time, environment, NullLogger<AlertRuleManager>.Instance);
        return (manager, board);
    }

    private static async Task WaitFor(Func<bool> condition, string what, FakeTimeProvider? clock = null, TimeSpan? advance = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"waited in vain for: {what}");
            if (clock is not null && advance is { } step)
            {
                clock.Advance(step);
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_load_reads_globs_relative_to_the_content_root_and_the_status_lists_every_rule()
    {
        Write("rules/a.rules.yml", Good);
        Write("rules/b.rules.yml", "groups:\n  - name: b\n    rules:\n      - alert: B\n        expr: b\n        keep_firing_for: 1m\n");
        Write("rules/ignored.txt", "not a rule file");
        var (manager, _) = Manager(new FakeTimeProvider(T0), "rules/*.rules.yml");

        var result = await manager.ReloadAsync("test", CancellationToken.None);

        Assert.True(result.Succeeded, result.ErrorText);
        var status = manager.Status;
        Assert.Equal(["rules/a.rules.yml", "rules/b.rules.yml"], status.Files);
        Assert.Equal((T0, (string?)null, "scripted", 3), (status.LastLoadedAt!.Value, status.LoadError, status.Engine, status.RuleCount));
        var errors = status.Groups[0].Rules[0];
        Assert.Equal(("rules/a.rules.yml", "shop", 0, "Errors", "errors", TimeSpan.FromSeconds(30), RuleHealth.Unknown),
            (errors.File, errors.Group, errors.Index, errors.Name, errors.Expression, errors.For, errors.Health));
        Assert.Equal("critical", errors.Labels["severity"]);
        Assert.Equal(TimeSpan.FromMinutes(1), status.Groups[1].Rules[0].KeepFiringFor);
        Assert.Equal(TimeSpan.FromSeconds(15), status.Groups[1].Interval); // no interval: Alerts:EvaluationInterval
    }

    [Fact]
    public async Task A_failed_reload_keeps_the_previous_rules_running_shows_the_error_and_raises_a_console_alert_until_a_good_load()
    {
        var path = Write("shop.yml", Good);
        var clock = new FakeTimeProvider(T0);
        var (manager, board) = Manager(clock, "shop.yml");
        _engine.When("errors", _ => true);
        await manager.ReloadAsync("start", CancellationToken.None);
        await manager.EvaluateGroupAsync("shop.yml;shop", T0, CancellationToken.None);

        File.WriteAllText(path, Good.Replace("for: 30s", "for: 30 seconds", StringComparison.Ordinal).Replace("expr: down", "expr: bad(down)", StringComparison.Ordinal));
        clock.Advance(TimeSpan.FromMinutes(1));
        var failed = await manager.ReloadAsync("changed", CancellationToken.None);

        Assert.False(failed.Succeeded);
        Assert.Equal(2, failed.Errors.Count);
        Assert.Equal("shop.yml:7:14: group \"shop\", rule \"Errors\": for: not a valid duration string: \"30 seconds\" (a number needs a unit: ms, s, m, h, d, w or y)", failed.Errors[0].ToString());
        Assert.Equal("shop.yml:10:15: group \"shop\", rule \"Down\": expr: unexpected identifier \"bad\" (expression line 1, column 1)", failed.Errors[1].ToString());
        var status = manager.Status;
        Assert.Equal((T0, T0.AddMinutes(1)), (status.LastLoadedAt!.Value, status.LastAttemptAt!.Value));
        Assert.Equal(string.Join('\n', failed.Errors), status.LoadError);
        Assert.Equal(["Errors", "Down"], status.Groups[0].Rules.Select(r => r.Name)); // still the old rules
        Assert.Equal(TimeSpan.FromSeconds(30), status.Groups[0].Rules[0].For);
        Assert.Single(status.Groups[0].Rules[0].Alerts); // with their state
        var alert = Assert.Single(board.Active);
        Assert.Equal((AlertRuleManager.LoadFailedAlert, ConsoleAlertSeverity.Warning), (alert.Name, alert.Severity));
        Assert.Contains("The previous 2 rules keep running.", alert.Summary, StringComparison.Ordinal);

        File.WriteAllText(path, Good);
        var fixedUp = await manager.ReloadAsync("fixed", CancellationToken.None);

        Assert.True(fixedUp.Succeeded);
        Assert.Null(manager.Status.LoadError);
        Assert.Empty(board.Active);
    }

    [Fact]
    public async Task A_failed_first_load_runs_nothing_and_raises_a_critical_console_alert()
    {
        Write("shop.yml", "groups:\n  - name: shop\n    rules:\n      - record: x\n        expr: y\n");
        var (manager, board) = Manager(new FakeTimeProvider(T0), "shop.yml", "missing.yml");

        var result = await manager.ReloadAsync("start", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(["missing.yml", "shop.yml"], result.Errors.Select(e => e.File).Order());
        Assert.Contains(result.Errors, e => e.Message.StartsWith("file not found", StringComparison.Ordinal));
        Assert.Empty(manager.Status.Groups);
        Assert.Equal(ConsoleAlertSeverity.Critical, Assert.Single(board.Active).Severity);
    }

    [Fact]
    public async Task Each_evaluation_reports_every_rule_with_its_alerts_and_a_reload_keeps_state_and_resolves_removed_rules()
    {
        var path = Write("shop.yml", Good);
        var (manager, _) = Manager(new FakeTimeProvider(T0), "shop.yml");
        _engine.When("errors", _ => true, 4, ("job", "shop")).When("down", _ => true, 0, ("instance", "a:1"));
        await manager.ReloadAsync("start", CancellationToken.None);

        await manager.EvaluateGroupAsync("shop.yml;shop", T0, CancellationToken.None);
        await manager.EvaluateGroupAsync("shop.yml;shop", T0.AddSeconds(15), CancellationToken.None);

        Assert.Equal(["shop.yml / shop / 0", "shop.yml / shop / 1", "shop.yml / shop / 0", "shop.yml / shop / 1"], _sink.Reports.Select(r => r.RuleKey));
        Assert.Equal(AlertState.Pending, Assert.Single(_sink.Reports[2].Alerts).State);
        Assert.Equal(AlertState.Firing, Assert.Single(_sink.Reports[3].Alerts).State);
        Assert.Equal(2, _engine.Evaluations.Count(e => e.At == T0));

        // A reload that keeps "Errors" (same name and labels) and drops "Down".
        File.WriteAllText(path, Good[..Good.IndexOf("      - alert: Down", StringComparison.Ordinal)]);
        await manager.ReloadAsync("changed", CancellationToken.None);
        var retired = _sink.Reports[^1];
        Assert.Equal("shop.yml / shop / 1", retired.RuleKey);
        Assert.Equal(AlertState.Resolved, Assert.Single(retired.Alerts).State);

        await manager.EvaluateGroupAsync("shop.yml;shop", T0.AddSeconds(30), CancellationToken.None);
        var kept = Assert.Single(_sink.Reports[^1].Alerts);
        Assert.Equal((AlertState.Firing, T0), (kept.State, kept.ActiveAt)); // counted from the first activeAt, across the reload
    }

    [Fact]
    public async Task The_first_load_after_a_start_resumes_firing_alerts_from_the_store_and_later_loads_do_not_ask_again()
    {
        var path = Write("shop.yml", Good);
        var (manager, _) = Manager(new FakeTimeProvider(T0), "shop.yml");
        _engine.When("errors", _ => true, 4, ("job", "shop"));
        var since = T0.AddHours(-1);
        _sink.Held["shop.yml / shop / 0"] =
        [
            new AlertInstance(AlertSource.Rule, LabelSet.Of(("alertname", "Errors"), ("job", "shop"), ("severity", "critical")),
                new Dictionary<string, string>(), AlertState.Firing, since, since.AddSeconds(30), null, 4, null, "shop.yml / shop / Errors"),
        ];

        await manager.ReloadAsync("start", CancellationToken.None);
        await manager.EvaluateGroupAsync("shop.yml;shop", T0, CancellationToken.None);

        var alert = Assert.Single(_sink.Reports[0].Alerts); // for: 30s, yet firing at the first evaluation: resumed
        Assert.Equal((AlertState.Firing, since), (alert.State, alert.ActiveAt));
        Assert.Equal(["shop.yml / shop / 0", "shop.yml / shop / 1"], _sink.HeldAsked);

        File.WriteAllText(path, Good + "\n"); // same rules, new content: a reload carries state over instead
        await manager.ReloadAsync("changed", CancellationToken.None);
        Assert.Equal(2, _sink.HeldAsked.Count);
    }

    [Fact]
    public async Task An_engine_failure_marks_the_rule_unhealthy_and_reports_nothing_for_it()
    {
        Write("shop.yml", Good);
        var (manager, _) = Manager(new FakeTimeProvider(T0), "shop.yml");
        await manager.ReloadAsync("start", CancellationToken.None);
        _engine.FailWith = new RuleExpressionException("many-to-many matching not allowed", 1, 8);

        await manager.EvaluateGroupAsync("shop.yml;shop", T0, CancellationToken.None);

        Assert.Empty(_sink.Reports);
        var rule = manager.Status.Groups[0].Rules[0];
        Assert.Equal((RuleHealth.Err, "many-to-many matching not allowed (line 1, column 8)", (DateTimeOffset?)T0), (rule.Health, rule.LastError, rule.LastEvaluation));
        Assert.Equal(T0, manager.Status.Groups[0].LastEvaluation);
    }

    [Fact]
    public async Task The_hosted_loops_evaluate_each_group_on_its_interval_on_the_fake_clock_and_publish_after_each()
    {
        Write("shop.yml", Good + "\n  - name: slow\n    interval: 1m\n    rules:\n      - alert: S\n        expr: s\n");
        var clock = new FakeTimeProvider(T0);
        var (manager, _) = Manager(clock, "shop.yml");
        var evaluated = new List<RuleGroupEvaluated>();
        using var subscription = _live.Subscribe(AlertRuleTopics.GroupEvaluated, e =>
        {
            lock (evaluated)
            {
                evaluated.Add(e.Payload);
            }

            return Task.CompletedTask;
        });
        _engine.When("errors", at => at >= T0.AddSeconds(15), 2, ("job", "shop"));

        await manager.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => _engine.Evaluations.Count == 3, "the first evaluation of both groups at start");
            for (var i = 1; i <= 4; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(15));
                var expected = 3 + (2 * i) + (i == 4 ? 1 : 0);
                await WaitFor(() => _engine.Evaluations.Count == expected, $"{expected} evaluations after {i * 15} s");
            }

            var shopTimes = _engine.Evaluations.Where(e => e.Expression == "errors").Select(e => e.At);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => T0.AddSeconds(15 * i)), shopTimes);
            Assert.Equal([T0, T0.AddMinutes(1)], _engine.Evaluations.Where(e => e.Expression == "s").Select(e => e.At));
            // Pending from 15 s, firing at 45 s (for: 30s), on the evaluation at exactly activeAt + for.
            var errorsReports = _sink.Reports.Where(r => r.RuleKey == "shop.yml / shop / 0").Select(r => r.Alerts.SingleOrDefault()?.State).ToList();
            Assert.Equal([null, AlertState.Pending, AlertState.Pending, AlertState.Firing, AlertState.Firing], errorsReports);
            await WaitFor(() => { lock (evaluated) { return evaluated.Count(e => e.Group == "shop") == 5; } }, "a live event per evaluation");
            lock (evaluated)
            {
                Assert.Equal((1, 0), (evaluated.Last(e => e.Group == "shop").Firing, evaluated.Last(e => e.Group == "shop").Failed));
            }
        }
        finally
        {
            await manager.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_file_watcher_picks_up_a_changed_file_without_a_restart()
    {
        var path = Write("shop.yml", Good);
        var (manager, _) = Manager(TimeProvider.System, "shop.yml");
        await manager.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => manager.Status.RuleCount == 2, "the first load");

            await File.WriteAllTextAsync(path, Good.Replace("alert: Down", "alert: TargetDown", StringComparison.Ordinal));

            // The periodic check is 30 s away: within this wait only the watcher can have noticed.
            await WaitFor(() => manager.Status.Groups[0].Rules[1].Name == "TargetDown", "the watcher's reload");
        }
        finally
        {
            await manager.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_periodic_hash_check_loads_what_no_watcher_can_see()
    {
        // The glob's directory does not exist yet, so nothing watches it: only the content hash every 30 s can notice.
        var clock = new FakeTimeProvider(T0);
        var (manager, _) = Manager(clock, "later/*.yml");
        await manager.StartAsync(CancellationToken.None);
        try
        {
            await WaitFor(() => manager.Status.LastLoadedAt is not null, "the first (empty) load");
            Assert.Equal(0, manager.Status.RuleCount);

            Write("later/shop.yml", Good);

            await WaitFor(() => manager.Status.RuleCount == 2, "the periodic check's reload", clock, TimeSpan.FromSeconds(1));
            Assert.True(clock.GetUtcNow() - T0 >= TimeSpan.FromSeconds(30), $"loaded after {clock.GetUtcNow() - T0}");
            Assert.Equal(["later/shop.yml"], manager.Status.Files);
        }
        finally
        {
            await manager.StopAsync(CancellationToken.None);
        }
    }
}
