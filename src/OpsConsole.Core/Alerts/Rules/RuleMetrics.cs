namespace OpsConsole.Core.Alerts.Rules;

/// <summary>The rule engine's own metrics on /metrics, named after Prometheus's (<c>prometheus_rule_*</c>) with the console's prefix.</summary>
internal static class RuleMetrics
{
    public static readonly Prometheus.Counter Evaluations = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_evaluations_total", "Rule evaluations, by group (file;name).", "rule_group");

    public static readonly Prometheus.Counter EvaluationFailures = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_evaluation_failures_total", "Rule evaluations that failed, by group (file;name).", "rule_group");

    public static readonly Prometheus.Histogram EvaluationDuration = Prometheus.Metrics.CreateHistogram(
        "opsconsole_rule_evaluation_duration_seconds", "How long one rule's evaluation took (query and state).",
        new Prometheus.HistogramConfiguration { Buckets = Prometheus.Histogram.ExponentialBuckets(0.0005, 4, 9) });

    public static readonly Prometheus.Gauge GroupLastDuration = Prometheus.Metrics.CreateGauge(
        "opsconsole_rule_group_last_duration_seconds", "How long the group's last evaluation took, all rules.", "rule_group");

    public static readonly Prometheus.Counter GroupIterationsMissed = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_group_iterations_missed_total", "Evaluations of a group skipped because the previous one ran past its interval.", "rule_group");

    public static readonly Prometheus.Counter Reloads = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_file_reloads_total", "Rule file loads attempted (start, file changes, periodic check).");

    public static readonly Prometheus.Counter ReloadFailures = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_file_reload_failures_total", "Rule file loads that failed (the previous rules kept running).");

    public static readonly Prometheus.Gauge LastReloadSuccessful = Prometheus.Metrics.CreateGauge(
        "opsconsole_rule_file_last_reload_successful", "1 when the last rule file load succeeded, else 0.");

    public static readonly Prometheus.Counter SinkFailures = Prometheus.Metrics.CreateCounter(
        "opsconsole_rule_alert_reports_failed_total", "Reports of a rule's alerts to the alert store that threw.");
}
