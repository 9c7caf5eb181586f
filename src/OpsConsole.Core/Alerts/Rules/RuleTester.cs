using System.Diagnostics;
using OpsConsole.Core.Metrics.Query;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>The rules page's "test" box: an expression's samples now, or the error with its position in the expression.</summary>
/// <param name="TotalSamples">How many samples the expression gave (<see cref="Samples"/> keeps the first <see cref="RuleTester.MaxSamples"/>).</param>
/// <param name="Line">1-based line of the error within the expression, when the engine knows it.</param>
public sealed record RuleTestResult(
    string Expression,
    DateTimeOffset EvaluatedAt,
    string Engine,
    IReadOnlyList<RuleSample> Samples,
    int TotalSamples,
    TimeSpan Duration,
    string? Error,
    int? Line,
    int? Column)
{
    public bool Succeeded => Error is null;
}

/// <summary>Evaluates an expression now through the configured engine, as a rule would be.</summary>
public sealed class RuleTester(RuleEngineSelection engines, TimeProvider time)
{
    public const int MaxSamples = 200;

    public async Task<RuleTestResult> TestAsync(string expression, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var engine = engines.Engine;
        if (string.IsNullOrWhiteSpace(expression))
        {
            return Failed("Enter an expression, for example up == 0.", null, null);
        }

        if (engine is null)
        {
            return Failed(engines.Unavailable ?? "No rule engine is configured.", null, null);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            engine.Validate(expression); // a remote engine checks little here: its parse errors come from the evaluation itself

            var samples = await engine.EvaluateAsync(expression, at, cancellationToken);
            var ordered = samples.OrderBy(s => s.Labels.ToString(), StringComparer.Ordinal).Take(MaxSamples).ToList();
            return new RuleTestResult(expression, at, engine.Description, ordered, samples.Count, clock.Elapsed, null, null, null);
        }
        catch (RuleExpressionException ex)
        {
            return Failed(ex.Message, ex.Line, ex.Column);
        }
        catch (Exception ex) when (ex is MetricQueryException or InvalidOperationException or ArgumentException or TimeoutException)
        {
            return Failed(ex.Message, null, null);
        }

        RuleTestResult Failed(string error, int? line, int? column) =>
            new(expression, at, engine?.Description ?? engines.Description, [], 0, TimeSpan.Zero, error, line, column);
    }
}
