using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Web.Components.Pages.Alerts;

/// <summary>
/// A rule alert's expression over the last hour: the rule that raised it (by its origin, "file / group / rule") is
/// evaluated by the rules' own engine at evenly spaced instants, and the sample with the alert's labels is kept. The
/// engine answers instant queries only, so this asks it <see cref="Points"/> times; null when the rule is gone, there
/// is no engine, or the engine fails (the detail then falls back to the values it saw reported).
/// </summary>
public sealed class AlertExpressionHistory(AlertRuleManager rules, RuleEngineSelection engines)
{
    public const int Points = 40;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    public async Task<AlertValueSeries?> ForAsync(AlertView alert, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Source != AlertSource.Rule || engines.Engine is not { } engine || FindRule(alert) is not { } rule)
        {
            return null;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        var step = Window / (Points - 1);
        var from = now - Window;
        var values = new double[Points];
        try
        {
            for (var i = 0; i < Points; i++)
            {
                var samples = await engine.EvaluateAsync(rule.Expression, from + (step * i), budget.Token);
                values[i] = Pick(samples, alert.Labels) ?? double.NaN;
            }
        }
        catch (Exception ex) when (ex is RuleExpressionException or HttpRequestException or TimeoutException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }

        return values.Any(double.IsFinite) ? new AlertValueSeries(from, step, values, Evaluated: true) : null;
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
