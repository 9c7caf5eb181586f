using System.Collections.Concurrent;
using OpsConsole.Core.Metrics.PromQl;
using OpsConsole.Core.Metrics.Store;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// The console's own rule engine: the PromQL subset evaluated in-process over the <see cref="MetricStore"/>. Parsed
/// expressions are cached by text (rules repeat every interval). Both parse errors and evaluation errors (e.g.
/// many-to-many matching) surface as <see cref="RuleExpressionException"/> with the 1-based line and column of the
/// offending token or operator; the message ends with "(line L, column C)".
/// </summary>
public sealed class ConsoleRuleQueryEngine : IRuleQueryEngine
{
    /// <summary>Beyond this many distinct expressions (rules plus what people typed into the test box) the cache starts over.</summary>
    private const int MaxCached = 10_000;

    private static readonly Task<IReadOnlyList<RuleSample>> NoSamples = Task.FromResult<IReadOnlyList<RuleSample>>([]);
    private readonly ConcurrentDictionary<string, PromQlExpr> _parsed = new(StringComparer.Ordinal);
    private readonly PromQlEvaluator _evaluator;

    public ConsoleRuleQueryEngine(MetricStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _evaluator = new PromQlEvaluator(store);
    }

    public string Description => "console";

    public void Validate(string expression) => Parse(expression);

    public Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var parsed = Parse(expression);
        PromQlResult result;
        try
        {
            result = _evaluator.Evaluate(parsed, at);
        }
        catch (PromQlEvaluationException ex)
        {
            var (line, column) = PromQlParser.LineColumn(expression, ex.Position);
            throw new RuleExpressionException(ex.Message, line, column);
        }

        if (result.IsScalar)
        {
            return Task.FromResult<IReadOnlyList<RuleSample>>([new RuleSample(LabelSet.Empty, result.Scalar)]);
        }

        if (result.Samples.Count == 0)
        {
            return NoSamples; // the common case for an alert expression: nothing fires, nothing allocated
        }

        var samples = new RuleSample[result.Samples.Count];
        for (var i = 0; i < samples.Length; i++)
        {
            var sample = result.Samples[i];
            samples[i] = new RuleSample(ToLabelSet(sample), sample.Value);
        }

        return Task.FromResult<IReadOnlyList<RuleSample>>(samples);
    }

    /// <summary>The parsed expression (cached), for callers that want the tree itself.</summary>
    public PromQlExpr Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (_parsed.TryGetValue(expression, out var cached))
        {
            return cached;
        }

        PromQlExpr parsed;
        try
        {
            parsed = PromQlParser.Parse(expression);
        }
        catch (PromQlParseException ex)
        {
            throw new RuleExpressionException(ex.Reason, ex.Line, ex.Column); // the reason alone: whoever shows it adds the position once
        }

        if (_parsed.Count >= MaxCached)
        {
            _parsed.Clear();
        }

        _parsed[expression] = parsed;
        return parsed;
    }

    private static LabelSet ToLabelSet(PromQlSample sample)
    {
        var labels = new List<KeyValuePair<string, string>>(sample.Labels.Count + 1);
        if (sample.MetricName is { Length: > 0 } name)
        {
            labels.Add(new("__name__", name));
        }

        labels.AddRange(sample.Labels);
        return new LabelSet(labels);
    }
}
