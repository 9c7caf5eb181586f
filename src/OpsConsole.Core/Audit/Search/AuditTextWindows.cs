namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// Sizes the successive sequence windows of a free-text search (pure; unit tested). A window through the word index
/// costs a short posting list plus one heap page per match inside it, so it aims at the matches still needed at the
/// density seen so far, counting one more match than seen, with a margin of two standard errors of that density (3×
/// after no match, 1.3× after 50): a window too small only costs one more cheap scan, where every match too many costs a
/// heap page. After a window that found
/// nothing, the next is at least four times as large, so an absent word costs a handful of scans, not a walk of the log.
/// A walked window stops at the page, so its size is only a bound.
/// </summary>
public sealed class AuditTextWindows(long searched, int matched)
{
    private long _searched = Math.Max(1, searched);
    private long _matched = matched;
    private long _last = Math.Max(1, searched);
    private int _lastFound = matched;

    /// <summary>How many sequences the next window should span to find <paramref name="needed"/> more matches.</summary>
    public long Next(int needed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(needed);
        var perMatch = (double)_searched / (_matched + 1);
        var margin = 1 + (2 / Math.Sqrt(_matched + 1)); // two standard errors of a density counted from this many matches
        var size = (long)Math.Min(long.MaxValue / 2, Math.Ceiling(needed * perMatch * margin));
        return _lastFound == 0 ? Math.Max(size, _last * 4) : size;
    }

    /// <summary>Records what the window just searched held.</summary>
    public void Searched(long span, int found)
    {
        _searched += Math.Max(0, span);
        _matched += found;
        _last = Math.Max(1, span);
        _lastFound = found;
    }
}
