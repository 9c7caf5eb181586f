using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Web.Features.Alerts.Rules;

namespace OpsConsole.Web.Tests.Features.Alerts.Rules;

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
                expr: |
                  sum by (job) (rate(http_requests_received_total{code=~"5.."}[1m]))
                    / sum by (job) (rate(http_requests_received_total[1m])) > 0.05
                for: 5m
                keep_firing_for: 2m
                labels:
                  severity: critical
                annotations:
                  summary: "{{ $labels.job }} fails"
              - alert: Broken
                expr: http_requests_received_total + on() up
              - alert: Quiet
                expr: up == 0
        """;

    private readonly RulesTestBed _bed = new();
    private long _requests;
    private long _errors;

    public RulesPageTests()
    {
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

        Assert.Equal("3 rules in 1 group from 1 file · evaluated by console · loaded 14:02:00 UTC (0 s ago)", Squash(cut.Find("[data-testid=rules-summary]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=rules-load-error]"));
        Assert.Equal(["unknown", "unknown", "unknown"], Rules(cut).Select(r => r.GetAttribute("data-health")));
        var high = Rule(cut, "HighErrorRatio");
        Assert.StartsWith("sum by (job) (rate(http_requests_received_total{code=~\"5..\"}[1m]))", high.QuerySelector("[data-testid=rule-expr]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("for 5m · keep firing for 2m", Squash(high.QuerySelector("[data-testid=rule-for]")!.TextContent));
        Assert.Equal("severity=critical", Squash(high.QuerySelector("[data-testid=rule-labels]")!.TextContent));
        Assert.Equal("summary {{ $labels.job }} fails", Squash(high.QuerySelector("[data-testid=rule-annotations]")!.TextContent));
        Assert.StartsWith("rule-", high.Id, StringComparison.Ordinal); // the alerts' generator URL points here
        var explore = new Uri(new Uri("http://console.test/"), high.QuerySelector("[data-testid=rule-explore]")!.GetAttribute("href"));
        Assert.Equal("/explore", explore.AbsolutePath);
        Assert.Equal(high.QuerySelector("[data-testid=rule-expr]")!.TextContent, System.Web.HttpUtility.ParseQueryString(explore.Query)["q"]);

        // A minute of scrapes with one request in ten failing, then the group's evaluation: the page follows it live.
        ScrapeFor(TimeSpan.FromMinutes(1), errorShare: 0.1);
        await _bed.EvaluateAsync();

        cut.WaitForAssertion(() => Assert.Equal("ok", Rule(cut, "HighErrorRatio").GetAttribute("data-health")), Timeout);
        high = Rule(cut, "HighErrorRatio");
        Assert.StartsWith("last evaluated 14:03:00 UTC (0 s ago) · took ", Squash(high.QuerySelector("[data-testid=rule-last]")!.TextContent), StringComparison.Ordinal);
        var match = high.QuerySelector("[data-testid=rule-match]")!;
        Assert.Equal("pending", match.GetAttribute("data-state"));
        var cells = match.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(["job=shop", "severity=critical"], match.QuerySelectorAll(".rules-chip").Select(c => c.TextContent));
        Assert.Equal(0.1, double.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("14:03:00 UTC (0 s ago)", cells[3]);

        var broken = Rule(cut, "Broken");
        Assert.Equal("error", broken.GetAttribute("data-health"));
        Assert.Contains("many-to-one matching must be explicit", broken.QuerySelector("[data-testid=rule-error]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("ok", Rule(cut, "Quiet").GetAttribute("data-health"));
        Assert.NotNull(Rule(cut, "Quiet").QuerySelector("[data-testid=rule-no-matches]"));
        Assert.Contains("last evaluated 14:03:00 UTC", cut.Find("[data-testid=rule-group-meta]").TextContent, StringComparison.Ordinal);
        Assert.Contains("every 15s", cut.Find("[data-testid=rule-group-meta]").TextContent, StringComparison.Ordinal);

        // Five more minutes of the condition holding: firing.
        ScrapeFor(TimeSpan.FromMinutes(5), errorShare: 0.1);
        await _bed.EvaluateAsync();
        cut.WaitForAssertion(() => Assert.Equal("firing", Rule(cut, "HighErrorRatio").QuerySelector("[data-testid=rule-match]")!.GetAttribute("data-state")), Timeout);
    }

    [Fact]
    public async Task A_rules_runbook_url_links_to_the_runbook_page_and_an_unsafe_one_stays_text()
    {
        _bed.Write("shop.rules.yml", "groups:\n  - name: shop\n    rules:\n"
            + "      - alert: Down\n        expr: up == 0\n        annotations:\n          runbook_url: docs/runbooks/sampleshop.md#targetdown\n"
            + "      - alert: Odd\n        expr: up == 2\n        annotations:\n          runbook_url: javascript:alert(1)\n");
        Assert.True((await _bed.ReloadAsync()).Succeeded);

        var cut = Render<RulesPage>();

        var link = Rule(cut, "Down").QuerySelector("[data-testid=rule-runbook]")!;
        Assert.Equal(("/runbooks/sampleshop.md#targetdown", "_blank", "docs/runbooks/sampleshop.md#targetdown"), (link.GetAttribute("href"), link.GetAttribute("target"), link.TextContent));
        Assert.Null(Rule(cut, "Odd").QuerySelector("[data-testid=rule-runbook]"));
        Assert.Equal("runbook_url javascript:alert(1)", Squash(Rule(cut, "Odd").QuerySelector("[data-testid=rule-annotations]")!.TextContent));
    }

    [Fact]
    public async Task A_reload_that_fails_is_shown_prominently_with_the_place_of_the_error_and_the_old_rules_keep_showing()
    {
        _bed.Write("shop.rules.yml", ShopRules);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        var cut = Render<RulesPage>();

        _bed.Time.Advance(TimeSpan.FromMinutes(3));
        var broken = ShopRules.Replace("expr: up == 0", "expr: up == 0\n        for: soon", StringComparison.Ordinal);
        _bed.Write("shop.rules.yml", broken);
        Assert.False((await _bed.ReloadAsync()).Succeeded);

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rules-load-error]")), Timeout);
        var alert = cut.Find("[data-testid=rules-load-error]");
        Assert.Contains(
            "The rules loaded at 14:02:00 UTC are still running: the rule files have an error and were not loaded (tried at 14:05:00 UTC).",
            alert.TextContent, StringComparison.Ordinal);
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("for: soon", StringComparison.Ordinal)) + 1;
        Assert.StartsWith($"rules/shop.rules.yml:{line}:", cut.Find("[data-testid=rules-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Contains("group \"shop\", rule \"Quiet\": ", cut.Find("[data-testid=rules-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Equal(3, Rules(cut).Count); // the running rules are still listed

        _bed.Write("shop.rules.yml", ShopRules);
        Assert.True((await _bed.ReloadAsync()).Succeeded);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=rules-load-error]")), Timeout);
    }

    [Fact]
    public async Task Without_any_good_load_the_page_says_no_rules_run_and_where_the_expression_is_wrong()
    {
        _bed.Write("shop.rules.yml", "groups:\n  - name: shop\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m])) by (job) )\n");
        Assert.False((await _bed.ReloadAsync()).Succeeded);

        var cut = Render<RulesPage>();

        Assert.Contains("No alert rules are running", cut.Find("[data-testid=rules-load-error]").TextContent, StringComparison.Ordinal);
        // The expression starts at column 15 of line 5; its stray parenthesis is 27 characters in.
        Assert.StartsWith("rules/shop.rules.yml:5:41: group \"shop\", rule \"X\": ", cut.Find("[data-testid=rules-load-errors]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Rules(cut));
    }

    [Fact]
    public void The_test_box_shows_a_vector_as_a_table_and_a_single_value_on_its_own()
    {
        ScrapeFor(TimeSpan.FromMinutes(1), errorShare: 0.25);
        var cut = Render<RulesPage>();

        Evaluate(cut, "sum by (code) (http_requests_received_total)");

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=rule-test-sample]").Count), Timeout);
        var rows = cut.FindAll("[data-testid=rule-test-sample]").Select(r => Squash(r.TextContent)).ToList();
        Assert.Equal(["{code=\"200\"} 375", "{code=\"500\"} 125"], rows); // ordered by labels
        Assert.StartsWith("2 samples · evaluated at 14:03:00 UTC by console in ", Squash(cut.Find("[data-testid=rule-test-summary]").TextContent), StringComparison.Ordinal);

        Evaluate(cut, "sum(http_requests_received_total{code=\"500\"}) / 1000");
        cut.WaitForAssertion(() => Assert.StartsWith("0.125", cut.Find("[data-testid=rule-test-scalar]").TextContent.Trim(), StringComparison.Ordinal), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=rule-test-result]"));

        Evaluate(cut, "up == 0");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rule-test-empty]")), Timeout);
    }

    [Fact]
    public void The_test_box_marks_where_a_parse_error_is()
    {
        var cut = Render<RulesPage>();

        Evaluate(cut, "sum(rate(x[5m]))\n  by (job) )");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=rule-test-error]")), Timeout);
        var error = cut.Find("[data-testid=rule-test-error]");
        Assert.Equal(("2", "12"), (error.GetAttribute("data-line"), error.GetAttribute("data-column")));
        Assert.Contains("unexpected \")\"", error.TextContent, StringComparison.Ordinal);
        Assert.Equal("  by (job) )", cut.Find("[data-testid=rule-test-error-line]").TextContent);
        Assert.Equal("           ^", cut.Find("[data-testid=rule-test-error-caret]").TextContent); // under the parenthesis
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

    /// <summary>Scrapes every 15 s for <paramref name="span"/> (100 requests per scrape, this share failing), ending now.</summary>
    private void ScrapeFor(TimeSpan span, double errorShare)
    {
        var scrapes = (int)(span / TimeSpan.FromSeconds(15));
        for (var i = 0; i <= scrapes; i++)
        {
            if (i > 0)
            {
                _bed.Time.Advance(TimeSpan.FromSeconds(15));
            }

            _requests += 100;
            _errors += (long)(100 * errorShare);
            _bed.Scrape(_requests, _errors);
        }
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
