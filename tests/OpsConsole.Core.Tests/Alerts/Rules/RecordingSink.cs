using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>
/// Keeps every report, in order; answers <see cref="IRuleAlertState"/> from <see cref="Held"/>. Also compiled into
/// OpsConsole.IntegrationTests (linked in its project file), so both suites record the alert reports the same way.
/// </summary>
internal sealed class RecordingSink : IAlertSink, IRuleAlertState
{
    public Dictionary<string, IReadOnlyList<AlertInstance>> Held { get; } = new(StringComparer.Ordinal);

    public List<string> HeldAsked { get; } = [];

    public Task<IReadOnlyDictionary<string, IReadOnlyList<AlertInstance>>> HeldAsync(IReadOnlyCollection<string> ruleKeys, CancellationToken cancellationToken)
    {
        HeldAsked.AddRange(ruleKeys);
        return Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<AlertInstance>>>(
            ruleKeys.ToDictionary(k => k, k => Held.TryGetValue(k, out var held) ? held : (IReadOnlyList<AlertInstance>)[], StringComparer.Ordinal));
    }

    private readonly List<(string RuleKey, IReadOnlyList<AlertInstance> Alerts)> _reports = [];

    public IReadOnlyList<(string RuleKey, IReadOnlyList<AlertInstance> Alerts)> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public Task ReportAsync(string ruleKey, IReadOnlyList<AlertInstance> alerts, CancellationToken cancellationToken)
    {
        lock (_reports)
        {
            _reports.Add((ruleKey, alerts));
        }

        return Task.CompletedTask;
    }
}
