using OpsConsole.Web.Features.Metrics.Services;

namespace OpsConsole.Web.Tests.Features.Metrics.Services;

public sealed class ServiceDetailPageTests : BunitContext
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly ServicesTestBed _bed = new("shop");

    public ServiceDetailPageTests()
    {
        _bed.Register(Services);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    private IRenderedComponent<ServiceDetailPage> Page() => Render<ServiceDetailPage>(p => p.Add(x => x.Name, "shop"));

    private static int Columns(IRenderedComponent<ServiceDetailPage> cut) => cut.FindAll("[data-testid=chart-rate] rect.chart-hover").Count;

    [Fact]
    public async Task Switching_the_range_redraws_the_charts_over_that_range()
    {
        _bed.Scrapes("shop", 40);
        var cut = Page();
        Assert.Equal(61, Columns(cut)); // 15 min at the 15 s scrape interval, both ends included

        await cut.InvokeAsync(() => cut.FindAll("[data-testid=range] button").Single(b => b.TextContent.Trim() == "5m").Click());
        cut.WaitForAssertion(() => Assert.Equal(21, Columns(cut)), Timeout);

        await cut.InvokeAsync(() => cut.FindAll("[data-testid=range] button").Single(b => b.TextContent.Trim() == "1h").Click());
        cut.WaitForAssertion(() => Assert.Equal(121, Columns(cut)), Timeout); // 1 h / 120 points = 30 s steps
        Assert.Contains("latest 6.67/s", cut.Find("[data-testid=chart-rate] [data-testid=chart-latest]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_holds_the_charts_while_scrapes_continue_and_resume_catches_up()
    {
        _bed.Scrapes("shop", 10);
        var cut = Page();
        cut.WaitForAssertion(() => Assert.Equal(1, _bed.SubscribersOfUpdates), Timeout);
        await cut.InvokeAsync(() => cut.Find("[data-testid=pause]").Click());
        var before = cut.Find("[data-testid=chart-errors]").InnerHtml;

        for (var i = 10; i < 14; i++)
        {
            _bed.Scrape("shop", i, errorsPer15s: 50);
        }

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=paused-note]")), Timeout);
        Assert.Equal(before, cut.Find("[data-testid=chart-errors]").InnerHtml);

        await cut.InvokeAsync(() => cut.Find("[data-testid=pause]").Click());
        cut.WaitForAssertion(() => Assert.Contains("latest 50.0 %", cut.Find("[data-testid=chart-errors] [data-testid=chart-latest]").TextContent, StringComparison.Ordinal), Timeout);

        await DisposeComponentsAsync();
        Assert.Equal(0, _bed.SubscribersOfUpdates);
    }

    [Fact]
    public async Task Each_chart_opens_its_PromQL_in_Explore_over_the_pages_range()
    {
        _bed.Scrapes("shop", 10);
        var cut = Page();

        Assert.Equal(("sum(rate(http_requests_received_total{job=\"shop\"}[60s]))", "15m"), Explore(cut, "rate"));
        Assert.Equal(("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"shop\"}[60s])))", "15m"), Explore(cut, "p95"));

        await cut.InvokeAsync(() => cut.FindAll("[data-testid=range] button").Single(b => b.TextContent.Trim() == "6h").Click());
        cut.WaitForAssertion(() => Assert.Equal(("sum(rate(http_requests_received_total{job=\"shop\", code=~\"5..\"}[195s])) / sum(rate(http_requests_received_total{job=\"shop\"}[195s]))", "6h"), Explore(cut, "errors")), Timeout);
    }

    private static (string Query, string Range) Explore(IRenderedComponent<ServiceDetailPage> cut, string chart)
    {
        var href = new Uri(new Uri("http://console.test/"), cut.Find($"[data-testid=chart-{chart}] [data-testid=chart-explore]").GetAttribute("href"));
        var query = System.Web.HttpUtility.ParseQueryString(href.Query);
        Assert.Equal("/explore", href.AbsolutePath);
        return (query["q"]!, query["range"]!);
    }

    [Fact]
    public void An_unknown_service_says_so()
    {
        var cut = Render<ServiceDetailPage>(p => p.Add(x => x.Name, "nope"));

        Assert.Contains("no scrape target named “nope”", cut.Find("[data-testid=unknown-service]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_state_is_its_alerts_and_the_page_says_why_live()
    {
        _bed.Scrapes("shop", 6, errorsPer15s: 9);
        var cut = Page();
        Assert.Equal("healthy", cut.Find("[data-testid=detail-state]").TextContent); // 9 % errors alone judge nothing
        Assert.Equal("No alert about this service is pending or firing.", cut.Find("[data-testid=why-reason]").TextContent.Trim());

        _bed.Alerts.Firing("HighErrorRatio", "critical", TimeSpan.FromMinutes(6), summary: "shop: 9% of requests fail", labels: ("job", "shop"));
        _bed.Alerts.Firing("HighLatencyP95", "warning", TimeSpan.FromMinutes(1), pending: true, labels: ("job", "shop"));
        _bed.Alerts.Publish();

        cut.WaitForAssertion(() => Assert.Equal("critical", cut.Find("[data-testid=detail-state]").TextContent), Timeout);
        Assert.Equal("HighErrorRatio for 6 min: shop: 9% of requests fail", cut.Find("[data-testid=why-reason]").TextContent.Trim());
        var rows = cut.FindAll("[data-testid=why-alert]");
        Assert.Equal(["HighErrorRatio", "HighLatencyP95"], rows.Select(r => r.GetAttribute("data-alert")));
        Assert.Equal(["firing", "pending"], rows.Select(r => r.GetAttribute("data-state")));
        Assert.Contains("0.42", rows[0].TextContent, StringComparison.Ordinal); // the value the rule saw
    }

    [Fact]
    public void Client_errors_and_rate_limited_requests_have_their_own_charts()
    {
        _bed.Scrapes("shop", 6);

        var cut = Page();

        Assert.Single(cut.FindAll("[data-testid=chart-client-errors]"));
        Assert.Single(cut.FindAll("[data-testid=chart-throttled]"));
    }
}
