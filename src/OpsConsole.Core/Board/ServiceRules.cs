using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Board;

/// <summary>
/// The console's alert rules that watch one service, for its page's "why": those whose expression selects the service
/// by <c>job="name"</c> or <c>service="name"</c>, and those with an alert about it now (found by the alert's name).
/// Each comes with its threshold as written (the expression) and its <c>for</c>.
/// </summary>
public static class ServiceRules
{
    public static IReadOnlyList<AlertRuleStatus> For(RuleSetStatus rules, string service, IEnumerable<AlertView> alertsAboutService)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(alertsAboutService);
        var named = alertsAboutService.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var quoted = $"\"{service}\"";
        return
        [
            .. rules.Groups.SelectMany(g => g.Rules).Where(r =>
                named.Contains(r.Name)
                || (r.Expression.Contains(quoted, StringComparison.Ordinal) && (r.Expression.Contains("job=", StringComparison.Ordinal) || r.Expression.Contains("service=", StringComparison.Ordinal)))),
        ];
    }
}
