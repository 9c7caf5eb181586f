namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// The Audit page's list, as state: records loaded newest first in keyset pages (more are read as the grid scrolls),
/// the live tail (records newer than the top are put in front) and the pause (new records are counted, not shown,
/// until resumed). Calls are serialized, so a scroll and a live refresh never interleave. A view filter
/// (<see cref="SetHiddenAsync"/>, e.g. the reader's own reads of the log) hides records without changing the query:
/// paging and the tail still follow every record read, and hidden ones are neither shown nor counted as new.
/// </summary>
public sealed class AuditFeed(
    Func<AuditQuery, long?, int, CancellationToken, Task<AuditSearchPage>> page,
    Func<AuditQuery, long, int, CancellationToken, Task<AuditSearchPage>> newer,
    int pageSize = 100) : IDisposable
{
    /// <summary>How many new records a paused feed counts before it says "more than".</summary>
    public const int PendingLimit = AuditQuery.MaxPageSize;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<AuditRecordView> _read = []; // every record read, newest first: the keyset positions
    private readonly List<AuditRecordView> _items = []; // what is shown: _read without the hidden ones
    private Func<AuditRecordView, bool>? _hidden;

    public AuditQuery Query { get; private set; } = AuditQuery.None;

    public int PageSize { get; } = pageSize;

    public IReadOnlyList<AuditRecordView> Items => _items;

    /// <summary>Older records exist beyond the loaded ones.</summary>
    public bool HasMore { get; private set; }

    public bool Loaded { get; private set; }

    public bool Paused { get; private set; }

    /// <summary>Matching records newer than the top while paused (at most <see cref="PendingLimit"/>; see <see cref="PendingOverflow"/>).</summary>
    public int Pending { get; private set; }

    public bool PendingOverflow { get; private set; }

    /// <summary>The newest sequence read, shown or hidden (0 when none: every matching record is new).</summary>
    public long Top => _read.Count > 0 ? _read[0].Sequence : 0;

    /// <summary>A view filter has hidden records of the loaded ones.</summary>
    public int HiddenCount => _read.Count - _items.Count;

    /// <summary>Hides the records <paramref name="hidden"/> is true for (null shows all), over what is loaded and all that comes.</summary>
    public async Task SetHiddenAsync(Func<AuditRecordView, bool>? hidden, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _hidden = hidden;
            _items.Clear();
            _items.AddRange(_read.Where(Shown));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts over with a new filter: the newest page.</summary>
    public async Task ResetAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Query = query;
            await ReloadCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads older pages until at least <paramref name="count"/> records are loaded or there are no more.</summary>
    public async Task EnsureLoadedAsync(int count, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            while (_items.Count < count && HasMore)
            {
                var next = await page(Query, _read[^1].Sequence, PageSize, cancellationToken);
                _read.AddRange(next.Items);
                _items.AddRange(next.Items.Where(Shown));
                HasMore = next.NextCursor is not null && next.Items.Count > 0;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The live tail's step after new records were appended: shows the matching ones at the top, or, while paused,
    /// counts them. Returns true when the list changed.
    /// </summary>
    public async Task<bool> RefreshNewerAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!Loaded)
            {
                return false;
            }

            if (Paused)
            {
                var waiting = await newer(Query, Top, PendingLimit, cancellationToken);
                Pending = waiting.Items.Count(Shown);
                PendingOverflow = waiting.NextCursor is not null;
                return false;
            }

            return await TakeNewerCoreAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Pause()
    {
        Paused = true;
        Pending = 0;
        PendingOverflow = false;
    }

    /// <summary>Shows what arrived while paused and follows the tail again.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Paused = false;
            Pending = 0;
            PendingOverflow = false;
            if (Loaded)
            {
                await TakeNewerCoreAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<bool> TakeNewerCoreAsync(CancellationToken cancellationToken)
    {
        var fresh = await newer(Query, Top, PageSize, cancellationToken);
        if (fresh.NextCursor is not null)
        {
            await ReloadCoreAsync(cancellationToken); // more arrived than a page: start again from the newest
            return true;
        }

        if (fresh.Items.Count == 0)
        {
            return false;
        }

        _read.InsertRange(0, fresh.Items);
        var shown = fresh.Items.Where(Shown).ToList();
        _items.InsertRange(0, shown);
        return shown.Count > 0;
    }

    private async Task ReloadCoreAsync(CancellationToken cancellationToken)
    {
        var first = await page(Query, null, PageSize, cancellationToken);
        _read.Clear();
        _read.AddRange(first.Items);
        _items.Clear();
        _items.AddRange(first.Items.Where(Shown));
        HasMore = first.NextCursor is not null;
        Loaded = true;
    }

    private bool Shown(AuditRecordView record) => _hidden is null || !_hidden(record);
}
