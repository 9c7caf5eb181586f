using System.Security.Claims;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Web.Tests.Features.Audit;

/// <summary>An in-memory log behind <see cref="IAuditSearch"/>: records by sequence, searched newest first with keyset pages.</summary>
public sealed class FakeAuditSearch : IAuditSearch
{
    private readonly object _lock = new();
    private readonly List<AuditRecordView> _records = [];

    public List<AuditQuery> Queries { get; } = [];

    public void Add(params long[] sequences)
    {
        lock (_lock)
        {
            _records.AddRange(sequences.Select(s => Record(s)));
        }
    }

    public void Add(AuditRecordView record)
    {
        lock (_lock)
        {
            _records.Add(record);
        }
    }

    public Task<AuditSearchPage> SearchAsync(ClaimsPrincipal caller, AuditQuery query, long? cursor, int pageSize, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Queries.Add(query);
            return Task.FromResult(Page(_records.Where(r => Matches(query, r) && (cursor is null || r.Sequence < cursor)), pageSize));
        }
    }

    public Task<AuditSearchPage> NewerAsync(ClaimsPrincipal caller, AuditQuery query, long newerThan, int pageSize, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(Page(_records.Where(r => Matches(query, r) && r.Sequence > newerThan), pageSize));
        }
    }

    public Task<AuditRecordDetail?> GetAsync(ClaimsPrincipal caller, long sequence, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var record = _records.FirstOrDefault(r => r.Sequence == sequence);
            return Task.FromResult(record is null ? null : new AuditRecordDetail(record,
                _records.Where(r => r.Sequence < sequence).Select(r => (long?)r.Sequence).Max(),
                _records.Where(r => r.Sequence > sequence).Select(r => (long?)r.Sequence).Min()));
        }
    }

    public static AuditRecordView Record(long sequence, string action = "backups.run.started") => new(
        sequence, new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.Zero).AddSeconds(sequence), "user", $"id-{sequence}", $"actor-{sequence}", ["Sre"],
        action, "backup", $"db-{sequence}", sequence % 5 == 0 ? "denied" : "succeeded", sequence % 2 == 0 ? $"reason {sequence}" : null,
        "10.0.0.1", "Firefox", $"corr-{sequence}", new Dictionary<string, string?> { ["database"] = $"db-{sequence}", ["run"] = "7" },
        Convert.ToHexStringLower(BitConverter.GetBytes(sequence - 1)).PadLeft(64, '0'), Convert.ToHexStringLower(BitConverter.GetBytes(sequence)).PadLeft(64, 'f'));

    private static bool Matches(AuditQuery query, AuditRecordView record) =>
        (query.ActionPrefix is null || AuditQuery.ActionMatches(query.ActionPrefix, record.Action)) && (query.Outcome is null || query.Outcome == record.Outcome);

    private static AuditSearchPage Page(IEnumerable<AuditRecordView> records, int pageSize)
    {
        var all = records.OrderByDescending(r => r.Sequence).ToList();
        var items = all.Take(pageSize).ToList();
        return new AuditSearchPage(items, all.Count > pageSize ? items[^1].Sequence : null);
    }
}
