using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class RuleTesterTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task An_expression_is_evaluated_now_and_its_samples_come_back_ordered_and_capped()
    {
        var engine = new ScriptedEngine().Set("up == 0", _ => [.. Enumerable.Range(0, 250).Reverse().Select(i => new RuleSample(LabelSet.Of(("instance", $"i{i:D3}")), 0))]);
        var tester = new RuleTester(new RuleEngineSelection(engine), new FakeTimeProvider(Now));

        var result = await tester.TestAsync("up == 0", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal((Now, "scripted", 250, RuleTester.MaxSamples), (result.EvaluatedAt, result.Engine, result.TotalSamples, result.Samples.Count));
        Assert.Equal("i000", result.Samples[0].Labels["instance"]);
        Assert.Equal([("up == 0", Now)], engine.Evaluations);
    }

    [Fact]
    public async Task A_bad_expression_comes_back_with_its_position_and_is_not_evaluated()
    {
        var engine = new ScriptedEngine();
        var tester = new RuleTester(new RuleEngineSelection(engine), new FakeTimeProvider(Now));

        var result = await tester.TestAsync("sum(rate(x[5m]))\n  > bad", CancellationToken.None);

        Assert.Equal(("unexpected identifier \"bad\"", (int?)2, (int?)5), (result.Error, result.Line, result.Column));
        Assert.Empty(engine.Evaluations);
        Assert.Equal("Enter an expression, for example up == 0.", (await tester.TestAsync("  ", CancellationToken.None)).Error);
    }

    [Fact]
    public async Task An_evaluation_error_is_shown_in_words()
    {
        var engine = new ScriptedEngine { FailWith = new InvalidOperationException("found duplicate series for the match group") };
        var tester = new RuleTester(new RuleEngineSelection(engine), new FakeTimeProvider(Now));

        var result = await tester.TestAsync("a / on(job) b", CancellationToken.None);

        Assert.Equal(("found duplicate series for the match group", (int?)null), (result.Error, result.Line));
    }
}
