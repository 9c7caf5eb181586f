namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// Sizes the successive sequence windows of a free-text search (pure; unit tested). Each window costs one trigram
/// index scan (a few milliseconds, whatever its size) plus one heap page per match inside it, so windows err on the
/// large side: four times the matches still needed at the density seen so far, counting one more match than seen
/// (a density from one or two matches is noisy, and a third index scan costs more than a few hundred extra pages),
/// and at least four times the previous window, so an absent term costs a handful of scans, not a walk of the log.
/// </summary>
public sealed class AuditTextWindows(long searched, int matched)
{
    private long _searched = Math.Max(1, searched);
    private long _matched = matched;
    private long _last = Math.Max(1, searched);

    /// <summary>How many sequences the next window should span to find <paramref name="needed"/> more matches.</summary>
    public long Next(int needed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(needed);
        var perMatch = (double)_searched / (_matched + 1);
        var size = (long)Math.Min(long.MaxValue / 2, Math.Ceiling(4 * needed * perMatch));
        return Math.Max(size, _last * 4);
    }

    /// <summary>Records what the window just searched held.</summary>
    public void Searched(long span, int found)
    {
        _searched += Math.Max(0, span);
        _matched += found;
        _last = Math.Max(1, span);
    }
}
