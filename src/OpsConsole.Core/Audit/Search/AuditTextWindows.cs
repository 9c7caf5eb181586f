namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// Sizes the successive sequence windows of a free-text search (pure; unit tested). Each window is sized to hold about
/// twice the matches still needed at the density seen so far, and at least four times the previous one, so a common
/// term finishes in the first window, a rare one in two or three, and a term that is absent costs a handful of index
/// scans rather than a walk over the whole log. Every window costs one trigram index scan plus one heap page per match
/// inside it, never pages outside it.
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
        // With no match yet, assume one was just missed: the density is then at most 1 / searched.
        var perMatch = (double)_searched / Math.Max(1, _matched);
        var size = (long)Math.Min(long.MaxValue / 2, Math.Ceiling(2 * needed * perMatch));
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
