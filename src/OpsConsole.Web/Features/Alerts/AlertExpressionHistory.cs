using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>
/// A rule alert's expression over the last hour: the rule that raised it (by its origin, "file / group / rule") is
/// evaluated by the rules' own engine at evenly spaced instants, and the sample with the alert's labels is kept. The
/// engine answers instant queries only, so this asks it <see cref="Points"/> times (twice that when the data starts
/// late in the hour); null when the rule is gone, there is no engine, or the engine fails (the detail then falls back
/// to the values it saw reported).
/// </summary>
public sealed class AlertExpressionHistory(AlertRuleManager rules, RuleEngineSelection engines)
{
    public const int Points = 40;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinimumSpan = TimeSpan.FromMinutes(2);

    public async Task<AlertValueSeries?> ForAsync(AlertView alert, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Source != AlertSource.Rule || engines.Engine is not { } engine || FindRule(alert) is not { } rule)
        {
            return null;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        try
        {
            var series = await EvaluateAsync(engine, rule.Expression, alert.Labels, now - Window, now, budget.Token);
            // Data that starts late in the hour (a new target, a restarted console) gets the whole line: ask again from there.
            var first = Array.FindIndex(series.Values, double.IsFinite);
            if (first > Points / 2)
            {
                // At least a couple of minutes, so a line that has only just begun is a short line, not a point.
                var start = series.From + (series.Step * first);
                series = await EvaluateAsync(engine, rule.Expression, alert.Labels, now - start < MinimumSpan ? now - MinimumSpan : start, now, budget.Token);
            }

            return series.Values.Any(double.IsFinite) ? series : null;
        }
        catch (Exception ex) when (ex is RuleExpressionException or HttpRequestException or TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    private static async Task<AlertValueSeries> EvaluateAsync(
        IRuleQueryEngine engine, string expression, LabelSet labels, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var step = (to - from) / (Points - 1);
        var values = new double[Points];
        for (var i = 0; i < Points; i++)
        {
            var samples = await engine.EvaluateAsync(expression, from + (step * i), cancellationToken);
            values[i] = Pick(samples, labels) ?? double.NaN;
        }

        return new AlertValueSeries(from, step, values, Evaluated: true);
    }

    /// <summary>The expression of the rule that raised the alert (for "Open in Explore"); null when it is not a rule's or the rule is gone.</summary>
    public string? ExpressionOf(AlertView alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.Source == AlertSource.Rule ? FindRule(alert)?.Expression : null;
    }

    /// <summary>The rule behind the alert; when two rules of a group share a name, the one holding the alert now.</summary>
    private AlertRuleStatus? FindRule(AlertView alert) => rules.Status.Groups
        .SelectMany(g => g.Rules)
        .Where(r => string.Equals($"{r.File} / {r.Group} / {r.Name}", alert.Origin, StringComparison.Ordinal))
        .OrderByDescending(r => r.Alerts.Any(a => a.Fingerprint == alert.Fingerprint))
        .FirstOrDefault();

    /// <summary>The sample whose labels the alert carries (the alert adds the rule's labels and alertname; a metric name is not an alert label).</summary>
    internal static double? Pick(IReadOnlyList<RuleSample> samples, LabelSet alertLabels) =>
        samples.FirstOrDefault(s => s.Labels.Labels.All(l => l.Key == "__name__" || string.Equals(alertLabels[l.Key], l.Value, StringComparison.Ordinal)))?.Value;
}
