using OpsConsole.Core.Metrics.Services;
using OpsConsole.Core.Wall;

namespace OpsConsole.Web.Features.Wall;

/// <summary>One screen of the playlist: a page, or one part of a services page that needs several.</summary>
public sealed record WallStep(int PageIndex, WallPlaylistPage Page, int Part, int Parts)
{
    public string Label => Parts > 1 ? $"{Page.Title} {Part + 1}/{Parts}" : Page.Title;

    public bool SameAs(WallStep? other) => other is not null && other.PageIndex == PageIndex && other.Part == Part;
}

/// <summary>
/// The wall's playlist as screens: each configured page once, a services page split into parts of at most
/// <c>maxTiles</c> tiles (balanced: 13 tiles make 7 + 6, not 12 + 1), so nothing ever needs to scroll.
/// </summary>
public static class WallPlaylist
{
    /// <summary>The playlist entries a pinned wall (<c>/wall/{pin}</c>) plays: a 1-based position or a kind's name.</summary>
    public static IReadOnlyList<int> PageIndexes(IReadOnlyList<WallPlaylistPage> pages, string? pin)
    {
        ArgumentNullException.ThrowIfNull(pages);
        if (string.IsNullOrWhiteSpace(pin))
        {
            return [.. Enumerable.Range(0, pages.Count)];
        }

        if (int.TryParse(pin, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var position))
        {
            return position >= 1 && position <= pages.Count ? [position - 1] : [];
        }

        var kind = WallPlaylistPage.ParseKind(pin);
        return [.. Enumerable.Range(0, pages.Count).Where(i => pages[i].Kind == kind)];
    }

    public static IReadOnlyList<WallStep> Steps(
        IReadOnlyList<WallPlaylistPage> pages, IReadOnlyList<int> playing, IReadOnlyList<ServiceSnapshot> services, int maxTiles)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(playing);
        var steps = new List<WallStep>();
        foreach (var index in playing)
        {
            var page = pages[index];
            var parts = page.Kind is WallPageKind.Services ? PartsFor(ServicesOn(page, services).Count, maxTiles) : 1;
            for (var part = 0; part < parts; part++)
            {
                steps.Add(new WallStep(index, page, part, parts));
            }
        }

        return steps;
    }

    /// <summary>The step after <paramref name="current"/>; the first one when it is gone from the playlist (services shrank).</summary>
    public static WallStep? Next(IReadOnlyList<WallStep> steps, WallStep? current)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
        {
            return null;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].SameAs(current))
            {
                return steps[(i + 1) % steps.Count];
            }
        }

        // The current part no longer exists: continue with the next page, not from the top.
        return steps.FirstOrDefault(s => current is not null && s.PageIndex > current.PageIndex) ?? steps[0];
    }

    /// <summary>The current step again after the services changed (a part may have been added or removed).</summary>
    public static WallStep? Refresh(IReadOnlyList<WallStep> steps, WallStep? current)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return steps.FirstOrDefault(s => s.SameAs(current))
            ?? steps.LastOrDefault(s => current is not null && s.PageIndex == current.PageIndex)
            ?? steps.FirstOrDefault();
    }

    /// <summary>The services a page shows: the ones it names, in its order, or all of them.</summary>
    public static IReadOnlyList<ServiceSnapshot> ServicesOn(WallPlaylistPage page, IReadOnlyList<ServiceSnapshot> services)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(services);
        return page.Services.Count == 0
            ? services
            : [.. page.Services.Select(name => services.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))).OfType<ServiceSnapshot>()];
    }

    public static int PartsFor(int tiles, int maxTiles) => Math.Max(1, (tiles + maxTiles - 1) / Math.Max(1, maxTiles));

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> balanced parts.</summary>
    public static IReadOnlyList<T> Part<T>(IReadOnlyList<T> items, int part, int parts)
    {
        ArgumentNullException.ThrowIfNull(items);
        parts = Math.Max(1, parts);
        part = Math.Clamp(part, 0, parts - 1);
        var size = (items.Count + parts - 1) / parts;
        return [.. items.Skip(part * size).Take(size)];
    }
}

/// <summary>
/// Columns and rows for a number of tiles, so they fill a TV's tile area (about 2.1:1 between the header and the
/// alerts strip) with tiles of a landscape shape; the type inside scales with the tile (container query units).
/// </summary>
public static class WallGridLayout
{
    public const double AreaAspect = 2.1;
    public const double TileAspect = 1.6;

    public static (int Columns, int Rows) For(int tiles)
    {
        if (tiles <= 1)
        {
            return (1, 1);
        }

        (int Columns, int Rows) best = (1, tiles);
        var bestScore = double.MaxValue;
        for (var columns = 1; columns <= tiles; columns++)
        {
            var rows = (tiles + columns - 1) / columns;
            if ((rows - 1) * columns >= tiles)
            {
                continue; // a whole empty row
            }

            var aspect = AreaAspect * rows / columns;
            var score = Math.Abs(Math.Log(aspect / TileAspect)) + (0.15 * ((columns * rows) - tiles));
            if (score < bestScore)
            {
                (best, bestScore) = ((columns, rows), score);
            }
        }

        return best;
    }
}
