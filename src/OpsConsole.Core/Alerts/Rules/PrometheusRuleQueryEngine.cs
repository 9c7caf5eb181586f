using System.Globalization;
using System.Text.RegularExpressions;
using OpsConsole.Core.Metrics.Query;
using OpsConsole.Core.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// <c>Alerts:Engine=Prometheus</c>: expressions are evaluated by the configured Prometheus (full PromQL) as instant queries
/// at each evaluation time, through <see cref="PrometheusBackend"/> (its auth, deadline, retry and failure words).
/// Checking at load asks Prometheus too: a query at time 0 costs it nothing and returns its own parse error with the
/// position; if Prometheus cannot be reached then, the rule loads and the error shows at its first evaluation.
/// </summary>
public sealed partial class PrometheusRuleQueryEngine(PrometheusBackend backend) : IRuleQueryEngine, IAsyncRuleExpressionValidator
{
    public string Description => backend.Description;

    /// <summary>Synchronous checks cannot ask Prometheus: only emptiness here; the loader uses <see cref="ValidateAsync"/>.</summary>
    public void Validate(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new RuleExpressionException("empty expression", 1, 1);
        }
    }

    public async Task<bool> ValidateAsync(string expression, CancellationToken cancellationToken)
    {
        Validate(expression);
        try
        {
            await backend.InstantQueryAsync(expression, DateTimeOffset.UnixEpoch, cancellationToken);
            return true;
        }
        catch (MetricQueryException ex) when (AsExpressionError(ex) is { } error)
        {
            throw error;
        }
        catch (MetricQueryException)
        {
            // Unreachable, timeout, 5xx: the expression cannot be checked now; its first evaluation will say.
            return false;
        }
    }

    public async Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            var samples = await backend.InstantQueryAsync(expression, at, cancellationToken);
            return [.. samples.Select(s => new RuleSample(new LabelSet(s.Labels), s.Value))];
        }
        catch (MetricQueryException ex) when (AsExpressionError(ex) is { } error)
        {
            throw error;
        }
    }

    /// <summary>Prometheus's parse errors read "…: 1:15: parse error: unexpected …"; those become positioned expression errors.</summary>
    internal static RuleExpressionException? AsExpressionError(MetricQueryException ex)
    {
        var match = ParseError().Match(ex.Message);
        if (!match.Success)
        {
            return null;
        }

        return new RuleExpressionException(
            "Prometheus: " + match.Groups["message"].Value,
            int.Parse(match.Groups["line"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["column"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"(?<line>\d+):(?<column>\d+): (?<message>parse error: .*)$", RegexOptions.Singleline)]
    private static partial Regex ParseError();
}
