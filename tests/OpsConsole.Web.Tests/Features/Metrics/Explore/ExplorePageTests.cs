using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Web.Features.Metrics.Explore;
using OpsConsole.Web.Tests.Features.Metrics.Services;

namespace OpsConsole.Web.Tests.Features.Metrics.Explore;

// MudBlazor brings services that can only be disposed asynchronously; xunit 2 calls DisposeAsync first.
public sealed class ExplorePageTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly ServicesTestBed _bed = new("shop");

    public ExplorePageTests()
    {
        _bed.Register(Services);
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Ten minutes of scrapes: 95 requests answered 200 and 5 answered 500 every 15 s.
        _bed.Scrapes("shop", 41, errorsPer15s: 5);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    private IRenderedComponent<ExplorePage> Open(string query)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(query);
        return Render<ExplorePage>();
    }

    private static List<string> Legend(IRenderedComponent<ExplorePage> cut) =>
        [.. cut.FindAll("[data-testid=chart-explore] [data-testid=chart-legend] .chart-key").Select(k => k.TextContent)];

    [Fact]
    public void A_PromQL_expression_from_the_address_is_graphed_with_one_line_per_code_named_by_the_differing_label()
    {
        var cut = Open($"explore?q={Uri.EscapeDataString("sum by (code) (rate(http_requests_received_total[1m]))")}&range=15m");

        cut.WaitForAssertion(() => Assert.Equal(["{code=\"200\"}", "{code=\"500\"}"], Legend(cut)), Timeout);
        Assert.Equal(2, cut.FindAll("[data-testid=chart-explore] polyline.chart-line-0").Count + cut.FindAll("[data-testid=chart-explore] polyline.chart-line-1").Count);
        Assert.StartsWith("2 series · 61 steps of 15s · from the console", Squash(cut.Find("[data-testid=query-summary]").TextContent), StringComparison.Ordinal);
        Assert.Contains("sum by (code) (rate(http_requests_received_total[1m]))", cut.Find("[data-testid=chart-explore]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=query-error]"));
    }

    [Fact]
    public async Task A_typed_expression_runs_and_its_values_show_on_hover()
    {
        var cut = Open("explore");

        await cut.InvokeAsync(() => cut.Find(".explore-query input").Input("sum(rate(http_requests_received_total{code=\"500\"}[1m]))"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=run]").Click());

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=chart-explore] rect.chart-hover")), Timeout);
        Assert.Equal(["sum(rate(http_requests_received_total{code=\"500\"}[1m]))"], Legend(cut)); // one line without labels: the expression
        await cut.InvokeAsync(() => cut.FindAll("[data-testid=chart-explore] rect.chart-hover")[^1].MouseOver());
        Assert.Equal("10:10:00 UTC", cut.Find("[data-testid=chart-tooltip-time]").TextContent);
        Assert.Equal("0.333", cut.Find("[data-testid=chart-tooltip-row] .chart-tip-value").TextContent);
        Assert.EndsWith("q=sum%28rate%28http_requests_received_total%7Bcode%3D%22500%22%7D%5B1m%5D%29%29&range=15m", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_expression_says_what_and_where_under_the_query_box_and_draws_nothing()
    {
        var cut = Open($"explore?q={Uri.EscapeDataString("http_requests_received_total")}");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=chart-explore]")), Timeout);

        await cut.InvokeAsync(() => cut.Find(".explore-query input").Input("sum(rate(http_requests_received_total[1m])"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=run]").Click());

        cut.WaitForAssertion(() => Assert.Equal("expected , or ) in the argument list opened at column 4, got end of input (line 1, column 43)", cut.Find(".explore-query .mud-input-helper-text").TextContent.Trim()), Timeout);
        Assert.Empty(cut.FindAll("[data-testid=chart-explore]"));
        Assert.Empty(cut.FindAll("[data-testid=query-error]"));
        Assert.DoesNotContain("sum(rate", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal); // not shared
    }

    [Fact]
    public void A_selector_with_the_rate_switch_from_an_old_link_still_graphs_its_per_second_rate()
    {
        var cut = Open($"explore?q={Uri.EscapeDataString("http_requests_received_total{code=\"500\"}")}&rate=true&range=5m");

        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=chart-explore] polyline")), Timeout);
        Assert.Contains("rate(http_requests_received_total{code=\"500\"}) per second", cut.Find("[data-testid=chart-explore]").TextContent, StringComparison.Ordinal);
        Assert.Equal(["http_requests_received_total{code=\"500\", instance=\"127.0.0.1:5081\", job=\"shop\"}"], Legend(cut));
        Assert.Equal("latest 0.333", cut.Find("[data-testid=chart-explore] [data-testid=chart-latest]").TextContent);
    }

    [Fact]
    public void A_scalar_graphs_as_one_line()
    {
        var cut = Open($"explore?q={Uri.EscapeDataString("scalar(sum(http_requests_received_total)) / 100")}&range=5m");

        cut.WaitForAssertion(() => Assert.Equal("latest 40", cut.Find("[data-testid=chart-explore] [data-testid=chart-latest]").TextContent), Timeout);
        Assert.StartsWith("1 series", Squash(cut.Find("[data-testid=query-summary]").TextContent), StringComparison.Ordinal);
    }

    private static string Squash(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
