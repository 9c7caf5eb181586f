using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Web.Components.Pages.Alerts.Rules;

namespace OpsConsole.Web.Tests.Components.Pages.Alerts.Rules;

// MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
public sealed class RulesPageTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private const string ShopRules = """
        groups:
          - name: shop
            interval: 15s
            rules:
              - alert: HighErrorRatio
                expr: error_ratio > 0.05
                for: 5m
                keep_firing_for: 2m
                labels:
                  severity: critical
                annotations:
                  summary: "{{ $labels.job }} fails"
              - alert: Broken
                expr: fails
              - alert: Quiet
                expr: nothing
        """;

    private readonly ScriptedRuleEngine _engine = new();
    private readonly RulesTestBed _bed;

    public RulesPageTests()
    {
        _engine.Set("error_ratio > 0.05", new RuleSample(LabelSet.Of(("job", "sampleshop"), ("instance", "127.0.0.1:5081")), 0.125));
        _bed = new RulesTestBed(_engine);
        _bed.Register(Services);
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _bed.Dispose();
    }

    [Fact]
    public async Task Every_rule_shows_its_health_last_evaluation_expression_and_current_matches_live()
    {
        _bed.Write("shop.rules.yml", ShopRules);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        var cut = Render<RulesPage>();

        Assert.Equal("3 rules in 1 group from 1 file · evaluated by scripted · loaded 14:02:00 UTC (0 s ago)", Squash(cut.Find("[data-testid=rules-summary]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=rules-load-error]"));
        Assert.Equal(["unknown", "unknown", "unknown"], Rules(cut).Select(r => r.GetAttribute("data-health")));
        var high = Rule(cut, "HighErrorRatio");
        Assert.Equal("error_ratio > 0.05", high.QuerySelector("[data-testid=rule-expr]")!.TextContent);
        Assert.Equal("for 5m · keep firing for 2m", Squash(high.QuerySelector("[data-testid=rule-for]")!.TextContent));
        Assert.Equal("severity=critical", Squash(high.QuerySelector("[data-testid=rule-labels]")!.TextContent));
        Assert.Equal("summary {{ $labels.job }} fails", Squash(high.QuerySelector("[data-testid=rule-annotations]")!.TextContent));
        Assert.StartsWith("rule-", high.Id, StringComparison.Ordinal); // the alerts' generator URL points here

        _bed.Time.Advance(TimeSpan.FromSeconds(3));
        await _bed.EvaluateAsync(); // publishes the group's evaluation: the page follows

        cut.WaitForAssertion(() => Assert.Equal("ok", Rule(cut, "HighErrorRatio").GetAttribute("data-health")), Timeout);
        high = Rule(cut, "HighErrorRatio");
        Assert.StartsWith("last evaluated 14:02:03 UTC (0 s ago) · took ", Squash(high.QuerySelector("[data-testid=rule-last]")!.TextContent), StringComparison.Ordinal);
        var match = high.QuerySelector("[data-testid=rule-match]")!;
        Assert.Equal("pending", match.GetAttribute("data-state"));
        Assert.Contains("job=sampleshop", match.TextContent, StringComparison.Ordinal);
        Assert.Contains("instance=127.0.0.1:5081", match.TextContent, StringComparison.Ordinal);
        Assert.Contains("0.125", match.TextContent, StringComparison.Ordinal);

        var broken = Rule(cut, "Broken");
        Assert.Equal("error", broken.GetAttribute("data-health"));
        Assert.Contains("many-to-many matching not allowed", broken.QuerySelector("[data-testid=rule-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("ok", Rule(cut, "Quiet").GetAttribute("data-health"));
        Assert.NotNull(Rule(cut, "Quiet").QuerySelector("[data-testid=rule-no-matches]"));
        Assert.Contains("last evaluated 14:02:03 UTC", cut.Find("[data-testid=rule-group-meta]").TextContent, StringComparison.Ordinal);
        Assert.Contains("every 15s", cut.Find("[data-testid=rule-group-meta]").TextContent, StringComparison.Ordinal);

        // Five minutes of the condition holding: firing.
        _bed.Time.Advance(TimeSpan.FromMinutes(5));
        await _bed.EvaluateAsync();
        cut.WaitForAssertion(() => Assert.Equal("firing", Rule(cut, "HighErrorRatio").QuerySelector("[data-testid=rule-match]")!.GetAttribute("data-state")), Timeout);
    }

    [Fact]
    public async Task A_reload_that_fails_is_shown_prominently_with_the_place_of_the_error_and_the_old_rules_keep_showing()
    {
        _bed.Write("shop.rules.yml", ShopRules);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        var cut = Render<RulesPage>();

        _bed.Time.Advance(TimeSpan.FromMinutes(3));
        _bed.Write("shop.rules.yml", ShopRules.Replace("expr: nothing", "expr: nothing\n        for: soon", StringComparison.Ordinal));
        var failed = await _bed.ReloadAsync();
        Assert.False(failed.Succeeded);

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rules-load-error]")), Timeout);
        var alert = cut.Find("[data-testid=rules-load-error]");
        Assert.Contains(
            "The rules loaded at 14:02:00 UTC are still running: the rule files have an error and were not loaded (tried at 14:05:00 UTC).",
            alert.TextContent, StringComparison.Ordinal);
        var errors = cut.Find("[data-testid=rules-load-errors]").TextContent;
        Assert.Matches(@"^rules/shop\.rules\.yml:17:\d+: group ""shop"", rule ""Quiet"": ", errors);
        Assert.Equal(3, Rules(cut).Count); // the running rules are still listed

        _bed.Write("shop.rules.yml", ShopRules);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=rules-load-error]")), Timeout);
    }

    [Fact]
    public async Task Without_any_good_load_the_page_says_no_rules_run()
    {
        _bed.Write("shop.rules.yml", "groups:\n  - name: shop\n    rules:\n      - alert: X\n        expr: up ==\n          bad\n");
        Assert.False((await _bed.ReloadAsync()).Succeeded);

        var cut = Render<RulesPage>();

        Assert.Contains("No alert rules are running", cut.Find("[data-testid=rules-load-error]").TextContent, StringComparison.Ordinal);
        Assert.Contains("unexpected identifier \"bad\"", cut.Find("[data-testid=rules-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Rules(cut));
    }

    [Fact]
    public void The_test_box_shows_a_vector_as_a_table_and_a_labelless_value_on_its_own()
    {
        _engine.Set("rate_by_code", new RuleSample(LabelSet.Of(("code", "500")), 0.25), new RuleSample(LabelSet.Of(("code", "200")), 3.5));
        _engine.Set("count", new RuleSample(LabelSet.Empty, 42));
        var cut = Render<RulesPage>();

        Evaluate(cut, "rate_by_code");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=rule-test-sample]").Count), Timeout);
        var rows = cut.FindAll("[data-testid=rule-test-sample]").Select(r => Squash(r.TextContent)).ToList();
        Assert.Equal(["{code=\"200\"} 3.5", "{code=\"500\"} 0.25"], rows); // ordered by labels
        Assert.StartsWith("2 samples · evaluated at 14:02:00 UTC by scripted in ", Squash(cut.Find("[data-testid=rule-test-summary]").TextContent), StringComparison.Ordinal);

        Evaluate(cut, "count");
        cut.WaitForAssertion(() => Assert.StartsWith("42", cut.Find("[data-testid=rule-test-scalar]").TextContent.Trim(), StringComparison.Ordinal), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=rule-test-result]"));

        Evaluate(cut, "nothing_matches");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rule-test-empty]")), Timeout);
    }

    [Fact]
    public void The_test_box_marks_where_a_parse_error_is()
    {
        var cut = Render<RulesPage>();

        Evaluate(cut, "sum(rate(x[5m]))\n  by (job) bad");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rule-test-error]")), Timeout);
        var error = cut.Find("[data-testid=rule-test-error]");
        Assert.Equal(("2", "12"), (error.GetAttribute("data-line"), error.GetAttribute("data-column")));
        Assert.Contains("unexpected identifier \"bad\"", error.TextContent, StringComparison.Ordinal);
        Assert.Equal("  by (job) bad", cut.Find("[data-testid=rule-test-error-line]").TextContent);
        Assert.Equal("           ^", cut.Find("[data-testid=rule-test-error-caret]").TextContent); // under the b
        Assert.Empty(cut.FindAll("[data-testid=rule-test-result]"));
    }

    [Fact]
    public async Task The_page_stops_listening_when_it_is_closed()
    {
        Render<RulesPage>();
        Assert.Equal(1, _bed.Subscribers(AlertRuleTopics.GroupEvaluated.Name));
        Assert.Equal(1, _bed.Subscribers(AlertRuleTopics.Loaded.Name));

        await DisposeComponentsAsync();

        Assert.Equal(0, _bed.Subscribers(AlertRuleTopics.GroupEvaluated.Name));
        Assert.Equal(0, _bed.Subscribers(AlertRuleTopics.Loaded.Name));
        Assert.Equal(0, _bed.Bus.Statistics.Subscribers);
    }

    private static void Evaluate(IRenderedComponent<RulesPage> cut, string expression)
    {
        cut.Find("textarea[data-testid=rule-test-expr]").Input(expression); // MudTextField puts the attribute on its input
        cut.Find("[data-testid=rule-test-run]").Click();
    }

    private static IReadOnlyList<AngleSharp.Dom.IElement> Rules(IRenderedComponent<RulesPage> cut) => cut.FindAll("[data-testid=rule]");

    private static AngleSharp.Dom.IElement Rule(IRenderedComponent<RulesPage> cut, string name) => cut.Find($"[data-testid=rule][data-rule={name}]");

    private static string Squash(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim();
}
