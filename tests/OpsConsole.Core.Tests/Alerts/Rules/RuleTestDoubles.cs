using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>
/// A stand-in for the PromQL engine (an internal seam until the console's engine is merged): expressions are names of
/// scripted series; <c>bad</c> anywhere in an expression is a parse error at its position.
/// </summary>
internal sealed class ScriptedEngine : IRuleQueryEngine
{
    private readonly Dictionary<string, Func<DateTimeOffset, IReadOnlyList<RuleSample>>> _scripts = new(StringComparer.Ordinal);

    public string Description => "scripted";

    public List<(string Expression, DateTimeOffset At)> Evaluations { get; } = [];

    public Exception? FailWith { get; set; }

    public ScriptedEngine Set(string expression, Func<DateTimeOffset, IReadOnlyList<RuleSample>> samples)
    {
        _scripts[expression] = samples;
        return this;
    }

    /// <summary>Samples that hold when <paramref name="holds"/> says so at the evaluation time.</summary>
    public ScriptedEngine When(string expression, Func<DateTimeOffset, bool> holds, double value = 1, params (string Name, string Value)[] labels) =>
        Set(expression, at => holds(at) ? [new RuleSample(LabelSet.Of(labels), value)] : []);

    public void Validate(string expression)
    {
        var bad = expression.IndexOf("bad", StringComparison.Ordinal);
        if (bad >= 0)
        {
            var line = expression[..bad].Count(c => c == '\n') + 1;
            var column = bad - (expression.LastIndexOf('\n', Math.Max(0, bad - 1)) + 1) + 1;
            throw new RuleExpressionException("unexpected identifier \"bad\"", line, column);
        }
    }

    public Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (Evaluations)
        {
            Evaluations.Add((expression, at));
        }

        if (FailWith is { } failure)
        {
            throw failure;
        }

        return Task.FromResult(_scripts.TryGetValue(expression, out var script) ? script(at) : (IReadOnlyList<RuleSample>)[]);
    }
}
