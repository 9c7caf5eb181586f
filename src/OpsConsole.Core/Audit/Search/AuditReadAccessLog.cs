using System.Collections.Concurrent;

namespace OpsConsole.Core.Audit.Search;

/// <summary>
/// Decides when reading the log is recorded: once per caller, kind of read and distinct filter per
/// <see cref="Window"/> (in this process). The next page of a search, a live-tail refresh and running the same search
/// again within the window are the same read and write nothing; a new filter, or the same one after the window, is
/// recorded. Bounded: expired entries are pruned, and past <see cref="MaxEntries"/> the oldest half is dropped (which
/// can only cause an extra record, never a missing one).
/// </summary>
public sealed class AuditReadAccessLog(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    /// <summary>True when this read must be recorded now (and remembers it); false when it was recorded within the window.</summary>
    public bool ShouldRecord(string callerKey, string kind, string fingerprint)
    {
        var now = time.GetUtcNow();
        var key = string.Concat(callerKey, "\n", kind, "\n", fingerprint);
        if (_seen.TryGetValue(key, out var at) && now - at < Window)
        {
            return false;
        }

        _seen[key] = now;
        if (_seen.Count > MaxEntries)
        {
            Prune(now);
        }

        return true;
    }

    /// <summary>Forgets a read whose record could not be written, so the next attempt records it.</summary>
    public void Forget(string callerKey, string kind, string fingerprint) =>
        _seen.TryRemove(string.Concat(callerKey, "\n", kind, "\n", fingerprint), out _);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, at) in _seen)
        {
            if (now - at >= Window)
            {
                _seen.TryRemove(key, out _);
            }
        }

        if (_seen.Count > MaxEntries)
        {
            foreach (var (key, _) in _seen.OrderBy(p => p.Value).Take(_seen.Count / 2).ToList())
            {
                _seen.TryRemove(key, out _);
            }
        }
    }
}
