using OpsConsole.Web.Features.Metrics;

namespace OpsConsole.Web.Tests.Features.Metrics;

public sealed class SignalChartTests : BunitContext
{
    /// <summary>2026-11-23 10:00:00 UTC, then every 15 s.</summary>
    private static readonly long[] Times = [.. Enumerable.Range(0, 5).Select(i => 1_795_428_000_000L + (i * 15_000L))];

    private IRenderedComponent<SignalChart> Chart(params (string Name, double[] Values)[] lines) => Render<SignalChart>(p => p
        .Add(x => x.Title, "chart")
        .Add(x => x.TestId, "t")
        .Add(x => x.TimestampsMs, Times)
        .Add(x => x.Lines, lines));

    private static List<string> Rows(IRenderedComponent<SignalChart> cut) =>
        [.. cut.FindAll("[data-testid=chart-tooltip-row]").Select(r => string.Join(' ', r.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))];

    [Fact]
    public async Task Hovering_a_step_shows_its_time_and_each_lines_value_there_until_the_pointer_leaves()
    {
        var cut = Chart(("{code=\"200\"}", [1, 2, 3, 4, 5]), ("{code=\"500\"}", [0.5, double.NaN, 0.25, 0.125, 0]));
        Assert.Empty(cut.FindAll("[data-testid=chart-tooltip]"));

        await cut.InvokeAsync(() => cut.FindAll("rect.chart-hover")[1].MouseOver());

        Assert.Equal("10:00:15 UTC", cut.Find("[data-testid=chart-tooltip-time]").TextContent);
        Assert.Equal(["{code=\"200\"} 2", "{code=\"500\"} —"], Rows(cut));
        Assert.Single(cut.FindAll(".chart-dot")); // a dot only where a line has a value

        await cut.InvokeAsync(() => cut.FindAll("rect.chart-hover")[3].MouseOver());
        Assert.Equal("10:00:45 UTC", cut.Find("[data-testid=chart-tooltip-time]").TextContent);
        Assert.Equal(["{code=\"200\"} 4", "{code=\"500\"} 0.125"], Rows(cut));

        await cut.InvokeAsync(() => cut.Find("svg.chart-plot").MouseLeave());
        Assert.Empty(cut.FindAll("[data-testid=chart-tooltip]"));
    }

    [Fact]
    public async Task With_many_lines_the_tooltip_lists_the_largest_values_and_counts_the_rest()
    {
        var lines = Enumerable.Range(0, 20).Select(i => ($"{{pod=\"p{i}\"}}", Enumerable.Repeat((double)i, Times.Length).ToArray())).ToArray();
        var cut = Chart(lines);

        await cut.InvokeAsync(() => cut.FindAll("rect.chart-hover")[0].MouseOver());

        var rows = Rows(cut);
        Assert.Equal(SignalChart.TooltipLines, rows.Count);
        Assert.Equal("{pod=\"p19\"} 19", rows[0]);
        Assert.Equal("{pod=\"p8\"} 8", rows[^1]);
        Assert.Equal("and 8 more", cut.Find(".chart-tip-more").TextContent.Trim());
    }

    [Fact]
    public async Task A_hovered_step_follows_new_data_and_a_different_step_count_clears_it()
    {
        var cut = Chart(("up", [1, 1, 1, 1, 1]));
        await cut.InvokeAsync(() => cut.FindAll("rect.chart-hover")[4].MouseOver());

        cut.Render(p => p.Add(x => x.Lines, [("up", [1, 1, 1, 1, 0])]));
        Assert.Equal(["up 0"], Rows(cut));

        cut.Render(p => p.Add(x => x.TimestampsMs, Times[..3]).Add(x => x.Lines, [("up", [1, 1, 1])]));
        Assert.Empty(cut.FindAll("[data-testid=chart-tooltip]"));
    }
}
