using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace OpsConsole.Core.Audit;

/// <summary>
/// A bounded local file of audit observations (failed sign-ins, denials) made while the database was unreachable,
/// one JSON object per line, fsynced. <see cref="AuditSpoolReplayer"/> writes them to the database in order later.
/// </summary>
public sealed partial class AuditSpool(string dataDirectory, int maxEntries, ILogger<AuditSpool> logger)
{
    public const string FileName = "audit-spool.jsonl";
    private const string ReplayingSuffix = ".replaying";
    private readonly Lock _gate = new();
    private int? _count;
    private long _dropped;

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, FileName);

    /// <summary>Observations refused because the spool was full (counted and logged: never silent).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Observations waiting to be written: the current spool plus any batch whose replay has not finished.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return CountLocked();
            }
        }
    }

    private string ReplayingPath => Path + ReplayingSuffix;

    // The bound covers both files, so a replay that keeps failing cannot double what is held on disk.
    private int CountLocked() => _count ??= CountLines(Path) + CountLines(ReplayingPath);

    private static int CountLines(string path) => File.Exists(path) ? File.ReadLines(path).Count(l => !string.IsNullOrWhiteSpace(l)) : 0;

    public bool TryAppend(AuditInboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var line = JsonSerializer.Serialize(item) + "\n";
        lock (_gate)
        {
            if (CountLocked() >= maxEntries)
            {
                Interlocked.Increment(ref _dropped);
                LogFull(maxEntries, item.Action);
                return false;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = System.Text.Encoding.UTF8.GetBytes(line);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
            _count++;
            return true;
        }
    }

    /// <summary>
    /// Hands the spooled items, oldest first, to <paramref name="write"/>; the file is removed only after it succeeds.
    /// New observations made meanwhile go to a fresh file.
    /// </summary>
    public async Task<int> ReplayAsync(Func<IReadOnlyList<AuditInboxItem>, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var replaying = ReplayingPath;
        lock (_gate)
        {
            // A file left from an interrupted replay goes first; it is older than anything in the current spool.
            if (!File.Exists(replaying))
            {
                if (!File.Exists(Path))
                {
                    return 0;
                }

                File.Move(Path, replaying);
            }
        }

        var items = new List<AuditInboxItem>();
        foreach (var line in await File.ReadAllLinesAsync(replaying, cancellationToken))
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                items.Add(JsonSerializer.Deserialize<AuditInboxItem>(line)!);
            }
        }

        await write(items, cancellationToken);
        lock (_gate)
        {
            File.Delete(replaying);
            _count = null; // recounted from the files on next use
        }

        return items.Count;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The audit spool is full ({MaxEntries} entries): {Action} could not be recorded")]
    private partial void LogFull(int maxEntries, string action);
}
