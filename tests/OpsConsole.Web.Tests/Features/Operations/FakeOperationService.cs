using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Tests.Features.Operations;

/// <summary>
/// Operations in memory behind <see cref="IOperationService"/>, the seam the operation pages use (the real service needs
/// PostgreSQL; its rules are covered by the integration tests). A test sets what approve and cancel do.
/// </summary>
public sealed class FakeOperationService : IOperationService
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly object _lock = new();
    private readonly List<OperationView> _operations = [];
    private readonly Dictionary<Guid, List<OperationLogEntry>> _logs = [];
    private int _logReads;

    public List<OperationQuery> Queries { get; } = [];

    public int LogReads => Volatile.Read(ref _logReads);

    /// <summary>Whether callers hold the kind's policy (MayActAsync).</summary>
    public bool MayAct { get; set; } = true;

    /// <summary>What CanCancel answers for a running operation (waiting ones are always cancellable, as the lifecycle says).</summary>
    public bool CancellableWhileRunning { get; set; }

    /// <summary>Approve's answer: the approved operation, or throw to refuse (default: approve as the caller).</summary>
    public Func<ClaimsPrincipal, OperationView, OperationView>? OnApprove { get; set; }

    public List<(string Action, Guid Id, string? By)> Actions { get; } = [];

    public static OperationView View(string title, OperationState state, int minutesAfterT0 = 0, string target = "database:sampleshop", string kind = "backup") => new(
        Guid.CreateVersion7(T0.AddMinutes(minutesAfterT0)), kind, target, title, state, new Dictionary<string, string>(), "alice",
        T0.AddMinutes(minutesAfterT0), false, null, null, null, false, null,
        state == OperationState.Running ? 0.4 : state == OperationState.Succeeded ? 1 : null,
        state == OperationState.Running ? "dumping tables" : null,
        state is OperationState.Queued or OperationState.AwaitingApproval ? null : T0.AddMinutes(minutesAfterT0).AddSeconds(5),
        OperationLifecycle.IsFinal(state) ? T0.AddMinutes(minutesAfterT0).AddSeconds(77) : null,
        state == OperationState.Failed ? "pg_dump exited with code 1: connection refused" : null,
        state == OperationState.Succeeded ? "backup 12.4 MB" : null,
        0)
    {
        RequestedById = "u-alice",
    };

    public OperationView Add(OperationView operation)
    {
        lock (_lock)
        {
            _operations.RemoveAll(o => o.Id == operation.Id);
            _operations.Add(operation);
            return operation;
        }
    }

    public void Log(Guid id, string text, OperationLogLevel level = OperationLogLevel.Info)
    {
        lock (_lock)
        {
            var lines = _logs.TryGetValue(id, out var existing) ? existing : _logs[id] = [];
            lines.Add(new OperationLogEntry(lines.Count + 1, T0.AddSeconds(lines.Count).AddMilliseconds(125), level, text));
        }
    }

    public Task<IReadOnlyList<OperationView>> ListAsync(ClaimsPrincipal caller, OperationQuery query, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Queries.Add(query);
            IReadOnlyList<OperationView> list = [.. _operations
                .Where(o => (!query.ActiveOnly || !o.IsFinal) && (query.Target is null || o.Target == query.Target) && (query.Kind is null || o.Kind == query.Kind))
                .OrderByDescending(o => o.Id)
                .Take(query.Limit)];
            return Task.FromResult(list);
        }
    }

    public Task<OperationView?> GetAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_operations.FirstOrDefault(o => o.Id == id));
        }
    }

    public Task<IReadOnlyList<OperationLogEntry>> ReadLogAsync(ClaimsPrincipal caller, Guid id, int afterSeq = 0, int limit = 5000, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _logReads);
        lock (_lock)
        {
            IReadOnlyList<OperationLogEntry> lines = _logs.TryGetValue(id, out var all) ? [.. all.Where(l => l.Seq > afterSeq).Take(limit)] : [];
            return Task.FromResult(lines);
        }
    }

    public Task<OperationView> ApproveAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        var operation = Find(id);
        var name = AuditActors.Describe(caller).Name;
        lock (_lock)
        {
            Actions.Add(("approve", id, name));
        }

        var approved = OnApprove is { } approve
            ? approve(caller, operation)
            : operation with { State = OperationState.Queued, ApprovedBy = name, ApprovedAt = T0.AddMinutes(30) };
        return Task.FromResult(Add(approved));
    }

    public Task<OperationView> CancelAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        var operation = Find(id);
        var name = AuditActors.Describe(caller).Name;
        lock (_lock)
        {
            Actions.Add(("cancel", id, name));
        }

        return Task.FromResult(Add(operation.State == OperationState.Running
            ? operation with { CancelRequested = true, CancelledBy = name }
            : operation with { State = OperationState.Cancelled, CancelledBy = name, EndedAt = T0.AddMinutes(30) }));
    }

    public Task<bool> MayActAsync(ClaimsPrincipal caller, string kind) => Task.FromResult(MayAct);

    public bool CanCancel(OperationView operation) => OperationLifecycle.CanCancel(operation.State, CancellableWhileRunning);

    private OperationView Find(Guid id)
    {
        lock (_lock)
        {
            return _operations.FirstOrDefault(o => o.Id == id) ?? throw new KeyNotFoundException($"There is no operation {id}.");
        }
    }
}
