using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallLastUpdatedTests : BunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(4, "updated 4 s ago", false)]
    [InlineData(30, "updated 30 s ago", false)]
    [InlineData(31, "updated 31 s ago", true)]
    [InlineData(150, "updated 2 min ago", true)]
    public void Turns_red_once_the_newest_data_is_older_than_the_stale_threshold(int ageSeconds, string text, bool stale)
    {
        var cut = Render<WallLastUpdated>(p => p
            .Add(x => x.Newest, Now.AddSeconds(-ageSeconds))
            .Add(x => x.Now, Now)
            .Add(x => x.StaleAfter, StaleAfter));

        var updated = cut.Find("[data-testid=wall-updated]");
        Assert.Equal(text, updated.QuerySelector(".wall-updated-live")!.TextContent);
        Assert.Equal(stale, updated.ClassList.Contains("wall-updated-stale"));
        Assert.Equal(stale ? "true" : "false", updated.GetAttribute("data-stale"));
    }

    [Fact]
    public void Without_any_data_says_so_in_red()
    {
        var cut = Render<WallLastUpdated>(p => p.Add(x => x.Newest, null).Add(x => x.Now, Now).Add(x => x.StaleAfter, StaleAfter));

        var updated = cut.Find("[data-testid=wall-updated]");
        Assert.Equal("no data yet", updated.QuerySelector(".wall-updated-live")!.TextContent);
        Assert.Contains("wall-updated-stale", updated.ClassList);
    }

    [Fact]
    public void Gives_the_browser_what_it_needs_to_count_on_while_the_connection_is_down()
    {
        var cut = Render<WallLastUpdated>(p => p.Add(x => x.Newest, Now.AddSeconds(-4)).Add(x => x.Now, Now).Add(x => x.StaleAfter, StaleAfter));

        var offline = cut.Find("[data-wall-offline-age]");
        Assert.Equal("2026-05-01T09:59:56.0000000+00:00", offline.GetAttribute("data-since"));
        Assert.Equal("2026-05-01T10:00:00.0000000+00:00", offline.GetAttribute("data-now"));
        Assert.Empty(offline.ChildNodes); // the server never renders into it: wall.js owns its text
    }
}
