using OpsConsole.Core.Wall;
using OpsConsole.Web.Features.Wall;

namespace OpsConsole.Web.Tests.Features.Wall;

public sealed class WallPlaylistTests
{
    private static readonly IReadOnlyList<WallPlaylistPage> Pages = new WallOptions().Playlist();

    [Fact]
    public void The_default_playlist_is_services_alerts_clock_status() =>
        Assert.Equal([WallPageKind.Services, WallPageKind.Alerts, WallPageKind.Clock, WallPageKind.Status], Pages.Select(p => p.Kind));

    [Theory]
    [InlineData(null, new[] { 0, 1, 2, 3 })]
    [InlineData("2", new[] { 1 })]
    [InlineData("Clock", new[] { 2 })]
    [InlineData("services", new[] { 0 })]
    [InlineData("4", new[] { 3 })]
    [InlineData("status", new[] { 3 })]
    [InlineData("5", new int[0])]
    [InlineData("0", new int[0])]
    [InlineData("weather", new int[0])]
    public void A_pin_is_a_position_or_a_kind(string? pin, int[] expected) =>
        Assert.Equal(expected, WallPlaylist.PageIndexes(Pages, pin));

    [Theory]
    [InlineData(13, 12, new[] { 7, 6 })]
    [InlineData(12, 12, new[] { 12 })]
    [InlineData(25, 12, new[] { 9, 9, 7 })]
    [InlineData(0, 12, new[] { 0 })]
    public void Services_split_into_balanced_parts(int tiles, int max, int[] sizes)
    {
        var items = Enumerable.Range(0, tiles).ToList();
        var parts = WallPlaylist.PartsFor(tiles, max);

        var split = Enumerable.Range(0, parts).Select(p => WallPlaylist.Part(items, p, parts)).ToList();

        Assert.Equal(sizes, split.Select(s => s.Count));
        Assert.Equal(items, split.SelectMany(s => s)); // every tile once, in order
    }

    [Fact]
    public void Next_wraps_around_and_a_vanished_part_continues_with_the_next_page()
    {
        var steps = new List<WallStep>
        {
            new(0, Pages[0], 0, 2), new(0, Pages[0], 1, 2), new(1, Pages[1], 0, 1), new(2, Pages[2], 0, 1),
        };

        Assert.Equal(steps[1], WallPlaylist.Next(steps, steps[0]));
        Assert.Equal(steps[0], WallPlaylist.Next(steps, steps[3]));
        Assert.Equal(steps[2], WallPlaylist.Next(steps, new WallStep(0, Pages[0], 2, 3)));
        Assert.Equal(steps[0], WallPlaylist.Next(steps, null));
        Assert.Null(WallPlaylist.Next([], steps[0]));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 2, 1)]
    [InlineData(4, 2, 2)]
    [InlineData(6, 3, 2)]
    [InlineData(11, 4, 3)]
    [InlineData(12, 4, 3)]
    public void The_grid_fits_the_tiles_into_landscape_cells(int tiles, int columns, int rows) =>
        Assert.Equal((columns, rows), WallGridLayout.For(tiles));

    [Fact]
    public void The_grid_always_has_room_and_never_an_empty_row()
    {
        for (var tiles = 1; tiles <= 64; tiles++)
        {
            var (columns, rows) = WallGridLayout.For(tiles);
            Assert.True(columns * rows >= tiles, $"{tiles} tiles in {columns}x{rows}");
            Assert.True((rows - 1) * columns < tiles, $"{tiles} tiles leave a row of {columns}x{rows} empty");
        }
    }
}
