using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>Prometheus 2.42's alerting state machine (rules/alerting.go), one evaluation at a time on a fake clock.</summary>
public sealed class AlertingRuleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);

    private static AlertingRule Rule(TimeSpan holdFor, TimeSpan? keepFiringFor = null, int limit = 0, string[]? labels = null, string[]? annotations = null)
    {
        var definition = new AlertingRuleDefinition(
            "HighErrors", "errors > 1", holdFor, keepFiringFor ?? TimeSpan.Zero,
            [.. (labels ?? ["severity=critical"]).Select(l => l.Split('=', 2)).Select(p => new RuleTemplateField(p[0], RuleTemplate.Parse(p[1])))],
            [.. (annotations ?? []).Select(l => l.Split('=', 2)).Select(p => new RuleTemplateField(p[0], RuleTemplate.Parse(p[1])))],
            0, 4);
        return new AlertingRule(new RuleGroupDefinition("rules/shop.yml", "shop", Step, limit, [definition]), definition);
    }

    private static RuleSample Sample(double value, params (string, string)[] labels) => new(LabelSet.Of(labels), value);

    private static readonly RuleSample Errors = Sample(3, ("__name__", "errors"), ("job", "shop"), ("instance", "a:1"));

    private static DateTimeOffset At(int step) => T0 + (Step * step);

    [Fact]
    public void Labels_are_the_sample_labels_without_name_plus_rule_labels_plus_alertname_and_the_report_carries_the_origin()
    {
        var rule = Rule(TimeSpan.Zero, labels: ["severity=critical", "job=overridden-{{ $labels.job }}"], annotations: ["summary={{ $labels.instance }} at {{ $value }}"]);

        var alert = Assert.Single(rule.Apply([Errors], T0, TimeSpan.FromMilliseconds(2)));

        Assert.Equal(LabelSet.Of(("alertname", "HighErrors"), ("instance", "a:1"), ("job", "overridden-shop"), ("severity", "critical")), alert.Labels);
        Assert.Equal("a:1 at 3", alert.Annotations["summary"]);
        Assert.Equal((AlertSource.Rule, 3.0, "rules/shop.yml / shop / HighErrors"), (alert.Source, alert.Value, alert.Origin));
        Assert.Equal("/rules#" + AlertingRule.Anchor(rule.Group, rule.Definition), alert.GeneratorUrl);
        Assert.Equal("rules/shop.yml / shop / 0", rule.Key);
        Assert.Equal(new RuleEvaluationStatus(RuleHealth.Ok, null, T0, TimeSpan.FromMilliseconds(2)), rule.Status);
    }

    [Fact]
    public void For_zero_fires_at_the_first_evaluation()
    {
        var alert = Assert.Single(Rule(TimeSpan.Zero).Apply([Errors], T0, default));

        Assert.Equal((AlertState.Firing, T0, (DateTimeOffset?)T0), (alert.State, alert.ActiveAt, alert.FiredAt));
    }

    [Fact]
    public void Pending_turns_firing_exactly_when_for_has_elapsed()
    {
        var rule = Rule(TimeSpan.FromMinutes(1)); // four 15 s steps

        var states = Enumerable.Range(0, 6).Select(i => Assert.Single(rule.Apply([Errors], At(i), default))).ToList();

        Assert.Equal([AlertState.Pending, AlertState.Pending, AlertState.Pending, AlertState.Pending, AlertState.Firing, AlertState.Firing], states.Select(a => a.State));
        Assert.All(states, a => Assert.Equal(T0, a.ActiveAt));
        Assert.Equal(At(4), states[5].FiredAt);
        Assert.Null(states[3].FiredAt);
    }

    [Fact]
    public void A_pending_alert_whose_condition_stops_holding_disappears_without_a_resolved_event()
    {
        var rule = Rule(TimeSpan.FromMinutes(5));
        rule.Apply([Errors], At(0), default);
        rule.Apply([Errors], At(1), default);

        var report = rule.Apply([], At(2), default);
        var again = Assert.Single(rule.Apply([Errors], At(3), default));

        Assert.Empty(report);
        Assert.Empty(rule.Apply([], At(4), default));
        Assert.Equal((AlertState.Pending, At(3)), (again.State, again.ActiveAt)); // a new pending alert, counted afresh
    }

    [Fact]
    public void A_firing_alert_resolves_once_and_is_then_gone()
    {
        var rule = Rule(TimeSpan.Zero);
        rule.Apply([Errors with { Value = 5 }], At(0), default);

        var resolved = Assert.Single(rule.Apply([], At(1), default));
        var after = rule.Apply([], At(2), default);

        Assert.Equal((AlertState.Resolved, (DateTimeOffset?)At(1), (DateTimeOffset?)At(0), 5.0), (resolved.State, resolved.ResolvedAt, resolved.FiredAt, resolved.Value));
        Assert.Empty(after);
        Assert.Empty(rule.ActiveAlerts);
    }

    [Fact]
    public void Keep_firing_for_holds_a_firing_alert_from_the_first_evaluation_without_the_condition_then_resolves()
    {
        // promtool agrees (tests/…/Alerts/Rules/promtool): held at 3m, absent from 4m, keep_firing_for 3m → firing through 6m, resolved at 7m.
        var rule = Rule(TimeSpan.Zero, keepFiringFor: TimeSpan.FromSeconds(45)); // three steps
        rule.Apply([Errors], At(0), default);

        var states = Enumerable.Range(1, 4).Select(i => Assert.Single(rule.Apply([], At(i), default)).State).ToList();

        Assert.Equal([AlertState.Firing, AlertState.Firing, AlertState.Firing, AlertState.Resolved], states);
    }

    [Fact]
    public void Keep_firing_for_starts_over_when_the_condition_holds_again_and_does_not_apply_to_pending_alerts()
    {
        var rule = Rule(TimeSpan.Zero, keepFiringFor: TimeSpan.FromSeconds(30));
        rule.Apply([Errors], At(0), default);
        rule.Apply([], At(1), default);
        rule.Apply([Errors], At(2), default); // holds again: KeepFiringSince is cleared
        rule.Apply([], At(3), default);

        Assert.Equal(AlertState.Firing, Assert.Single(rule.Apply([], At(4), default)).State);
        Assert.Equal(AlertState.Resolved, Assert.Single(rule.Apply([], At(5), default)).State);

        var pending = Rule(TimeSpan.FromMinutes(1), keepFiringFor: TimeSpan.FromMinutes(10));
        pending.Apply([Errors], At(0), default);
        Assert.Empty(pending.Apply([], At(1), default));
    }

    [Fact]
    public void Value_and_annotations_follow_the_latest_evaluation_while_activeAt_stays()
    {
        var rule = Rule(TimeSpan.FromMinutes(10), annotations: ["summary={{ $value }}"]);
        rule.Apply([Errors with { Value = 2 }], At(0), default);

        var alert = Assert.Single(rule.Apply([Errors with { Value = 7.5 }], At(1), default));

        Assert.Equal((7.5, "7.5", T0), (alert.Value, alert.Annotations["summary"], alert.ActiveAt));
    }

    [Fact]
    public void Changed_labels_make_a_new_alert_and_the_old_one_goes_its_own_way()
    {
        var rule = Rule(TimeSpan.Zero);
        rule.Apply([Sample(1, ("job", "shop"), ("code", "500"))], At(0), default);

        var report = rule.Apply([Sample(1, ("job", "shop"), ("code", "503"))], At(1), default);

        Assert.Equal(2, report.Count);
        var (fresh, old) = (report.Single(a => a.Labels["code"] == "503"), report.Single(a => a.Labels["code"] == "500"));
        Assert.Equal((AlertState.Firing, At(1)), (fresh.State, fresh.ActiveAt));
        Assert.Equal((AlertState.Resolved, (DateTimeOffset?)At(1)), (old.State, old.ResolvedAt));
        Assert.NotEqual(fresh.Fingerprint, old.Fingerprint);
    }

    [Fact]
    public void A_templated_label_whose_value_changes_is_a_new_alert_too()
    {
        var rule = Rule(TimeSpan.FromMinutes(1), labels: ["level={{ $value }}"]);
        rule.Apply([Errors with { Value = 2 }], At(0), default);

        var report = rule.Apply([Errors with { Value = 3 }], At(1), default);

        var current = Assert.Single(report); // the old pending one vanished silently
        Assert.Equal(("3", At(1), AlertState.Pending), (current.Labels["level"], current.ActiveAt, current.State));
    }

    [Fact]
    public void Many_series_are_tracked_independently()
    {
        var rule = Rule(TimeSpan.FromSeconds(30));
        var series = Enumerable.Range(0, 50).Select(i => Sample(i, ("instance", $"i{i:D2}"))).ToList();
        rule.Apply(series, At(0), default);
        rule.Apply(series.Where((_, i) => i % 2 == 0).ToList(), At(1), default);

        var report = rule.Apply(series.Where((_, i) => i % 2 == 0).ToList(), At(2), default);

        Assert.Equal(25, report.Count);
        Assert.All(report, a => Assert.Equal((AlertState.Firing, T0, (DateTimeOffset?)At(2)), (a.State, a.ActiveAt, a.FiredAt)));
        Assert.Equal(25, rule.ActiveAlerts.Count);
    }

    [Fact]
    public void Two_samples_with_the_same_alert_labels_are_an_evaluation_error_that_changes_nothing()
    {
        var rule = Rule(TimeSpan.Zero, labels: ["instance=all"]);
        rule.Apply([Sample(1, ("instance", "a"))], At(0), default);

        var error = Assert.Throws<RuleEvaluationException>(() => rule.Apply([Sample(1, ("instance", "a")), Sample(2, ("instance", "b"))], At(1), default));

        Assert.Equal("vector contains metrics with the same labelset after applying alert labels", error.Message);
        Assert.Empty(error.Report);
        Assert.Equal((RuleHealth.Err, error.Message), (rule.Status.Health, rule.Status.LastError));
        Assert.Equal(AlertState.Firing, Assert.Single(rule.ActiveAlerts).State);
    }

    [Fact]
    public void Over_the_group_limit_the_rule_drops_its_alerts_and_fails()
    {
        var rule = Rule(TimeSpan.Zero, limit: 2);
        rule.Apply([Sample(1, ("i", "a")), Sample(1, ("i", "b"))], At(0), default);

        var error = Assert.Throws<RuleEvaluationException>(() => rule.Apply([Sample(1, ("i", "a")), Sample(1, ("i", "b")), Sample(1, ("i", "c"))], At(1), default));

        Assert.Equal("exceeded limit of 2 with 3 alerts", error.Message);
        Assert.Equal(["a", "b"], error.Report.Select(a => a.Labels["i"]).Order());
        Assert.All(error.Report, a => Assert.Equal(AlertState.Resolved, a.State));
        Assert.Empty(rule.ActiveAlerts);
    }

    [Fact]
    public void An_engine_failure_keeps_the_alerts_and_marks_the_rule_unhealthy()
    {
        var rule = Rule(TimeSpan.Zero);
        rule.Apply([Errors], At(0), default);

        rule.Failed(At(1), TimeSpan.FromMilliseconds(3), "Prometheus at http://p:9090 cannot be reached: connection refused.");

        Assert.Equal(new RuleEvaluationStatus(RuleHealth.Err, "Prometheus at http://p:9090 cannot be reached: connection refused.", At(1), TimeSpan.FromMilliseconds(3)), rule.Status);
        Assert.Single(rule.ActiveAlerts);
    }

    [Fact]
    public void Copied_state_continues_for_counting_and_a_retired_rule_resolves_its_firing_alerts()
    {
        var old = Rule(TimeSpan.FromSeconds(30));
        old.Apply([Errors], At(0), default);
        var reloaded = Rule(TimeSpan.FromSeconds(30));

        reloaded.CopyStateFrom(old);
        var alert = Assert.Single(reloaded.Apply([Errors], At(2), default));

        Assert.Equal((AlertState.Firing, T0), (alert.State, alert.ActiveAt));
        var retired = Assert.Single(reloaded.Retire(At(3)));
        Assert.Equal((AlertState.Resolved, (DateTimeOffset?)At(3)), (retired.State, retired.ResolvedAt));
        Assert.Empty(reloaded.ActiveAlerts);
    }

    private static AlertInstance Held(AlertingRule rule, AlertState state, DateTimeOffset activeAt, DateTimeOffset? firedAt, string alertname = "HighErrors") => new(
        AlertSource.Rule,
        LabelSet.Of(("alertname", alertname), ("instance", "a:1"), ("job", "shop"), ("severity", "critical")),
        new Dictionary<string, string>(),
        state,
        activeAt,
        firedAt,
        null,
        3,
        rule.GeneratorUrl,
        rule.Origin);

    [Fact]
    public void A_restored_firing_alert_whose_condition_still_holds_stays_firing_with_its_original_times()
    {
        var rule = Rule(TimeSpan.FromMinutes(10));
        var activeAt = T0 - TimeSpan.FromMinutes(30);
        var firedAt = T0 - TimeSpan.FromMinutes(20);

        Assert.Equal(1, rule.Restore([Held(rule, AlertState.Firing, activeAt, firedAt)]));
        var alert = Assert.Single(rule.Apply([Errors], T0, default));

        Assert.Equal((AlertState.Firing, activeAt, (DateTimeOffset?)firedAt), (alert.State, alert.ActiveAt, alert.FiredAt));
    }

    [Fact]
    public void A_restored_firing_alert_that_no_longer_holds_resolves_at_the_first_evaluation_or_after_keep_firing_for()
    {
        var plain = Rule(TimeSpan.FromMinutes(10));
        plain.Restore([Held(plain, AlertState.Firing, T0 - TimeSpan.FromMinutes(30), T0 - TimeSpan.FromMinutes(20))]);
        Assert.Equal(AlertState.Resolved, Assert.Single(plain.Apply([], T0, default)).State);

        var keeping = Rule(TimeSpan.FromMinutes(10), keepFiringFor: TimeSpan.FromSeconds(30));
        keeping.Restore([Held(keeping, AlertState.Firing, T0 - TimeSpan.FromMinutes(30), T0 - TimeSpan.FromMinutes(20))]);
        Assert.Equal(
            [AlertState.Firing, AlertState.Firing, AlertState.Resolved],
            Enumerable.Range(0, 3).Select(i => Assert.Single(keeping.Apply([], At(i), default)).State));
    }

    [Fact]
    public void Pending_alerts_and_other_rules_alerts_are_not_restored()
    {
        var rule = Rule(TimeSpan.FromMinutes(10));

        Assert.Equal(0, rule.Restore([
            Held(rule, AlertState.Pending, T0 - TimeSpan.FromMinutes(9), null),
            Held(rule, AlertState.Firing, T0 - TimeSpan.FromMinutes(30), T0 - TimeSpan.FromMinutes(20), alertname: "SomethingElse"),
        ]));
        var alert = Assert.Single(rule.Apply([Errors], T0, default));
        Assert.Equal((AlertState.Pending, T0), (alert.State, alert.ActiveAt));
    }
}
