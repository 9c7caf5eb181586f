using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Tests.Metrics.PromQl;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class ConsoleRuleQueryEngineTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(300);

    [Fact]
    public async Task Results_are_label_sets_with_the_metric_name_while_it_is_kept()
    {
        var store = new TestStore().Add("up{job=\"api\"}", (300, 1)).Add("up{job=\"web\"}", (300, 0));
        var engine = new ConsoleRuleQueryEngine(store.Store);

        var down = Assert.Single(await engine.EvaluateAsync("up == 0", At, CancellationToken.None));
        var summed = Assert.Single(await engine.EvaluateAsync("sum(up)", At, CancellationToken.None));

        Assert.Equal(LabelSet.Of(("__name__", "up"), ("job", "web")), down.Labels);
        Assert.Equal(0, down.Value);
        Assert.Equal(LabelSet.Empty, summed.Labels);
        Assert.Equal(1, summed.Value);
        Assert.Equal("console", engine.Description);
    }

    [Fact]
    public async Task A_scalar_is_one_sample_without_labels()
    {
        var engine = new ConsoleRuleQueryEngine(new TestStore().Store);

        var sample = Assert.Single(await engine.EvaluateAsync("time() - 100", At, CancellationToken.None));

        Assert.Equal(new RuleSample(LabelSet.Empty, 200), sample);
    }

    [Fact]
    public void Validate_rejects_what_the_subset_lacks_with_line_and_column()
    {
        var engine = new ConsoleRuleQueryEngine(new TestStore().Store);

        var ex = Assert.Throws<RuleExpressionException>(() => engine.Validate("up == 0\n  and predict_linear(x[1h], 60) < 0"));

        Assert.Equal("function \"predict_linear\" is not in the console's PromQL subset", ex.Message); // the position once, in Line and Column
        Assert.Equal((2, 7), (ex.Line, ex.Column));
        engine.Validate("sum by (job) (rate(x[5m])) > 1");
    }

    [Fact]
    public async Task Evaluation_errors_point_at_the_operator()
    {
        var store = new TestStore().Add("a{instance=\"i1\", path=\"/a\"}", (300, 1)).Add("a{instance=\"i1\", path=\"/b\"}", (300, 2));
        var engine = new ConsoleRuleQueryEngine(store.Store);

        var ex = await Assert.ThrowsAsync<RuleExpressionException>(() => engine.EvaluateAsync("a\n  / on(instance) a", At, CancellationToken.None));

        Assert.Equal((2, 3), (ex.Line, ex.Column));
        Assert.StartsWith("found duplicate series for the match group {instance=\"i1\"}", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parsed_expressions_are_cached_by_text()
    {
        var engine = new ConsoleRuleQueryEngine(new TestStore().Store);

        Assert.Same(engine.Parse("rate(x[5m]) > 1"), engine.Parse("rate(x[5m]) > 1"));
        Assert.NotSame(engine.Parse("rate(x[5m]) > 1"), engine.Parse("rate(x[5m]) > 2"));
    }

    [Fact]
    public async Task A_cancelled_evaluation_does_not_start()
    {
        var engine = new ConsoleRuleQueryEngine(new TestStore().Store);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => engine.EvaluateAsync("vector(1)", At, new CancellationToken(canceled: true)));
    }
}
