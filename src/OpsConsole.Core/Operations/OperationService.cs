using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Operations;

/// <summary>A request to run an operation of a registered kind on a target.</summary>
public sealed record OperationRequest(string Kind, string Target, string Title, bool NeedsApproval, IReadOnlyDictionary<string, string>? Parameters = null);

/// <summary>Which operations a list shows, newest first.</summary>
public sealed record OperationQuery(bool ActiveOnly = false, string? Target = null, string? Kind = null, int Limit = 100);

/// <summary>
/// The one way operations are requested, approved, cancelled and read. Requesting, approving and cancelling demand the
/// kind's policy and are audited in the same transaction as the change; the runner (<see cref="OperationRunner"/>)
/// picks up what is queued. The database arbitrates between instances: one active operation per target (a partial
/// unique index), and state changes are conditional updates, so two people acting at once cannot both win.
/// </summary>
public sealed class OperationService(
    ConsoleDbContext db,
    AuditedActions actions,
    IEnumerable<IOperationKind> kinds,
    OperationSignal signal,
    IOptions<OperationOptions> options,
    TimeProvider time) : IOperationService
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly AccessRule ReadRule = new(ConsolePolicies.OperationsRead, "operations.read", "operation", "Your roles may not see operations.");

    public async Task<IReadOnlyList<OperationView>> ListAsync(ClaimsPrincipal caller, OperationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var rows = db.Operations.AsNoTracking();
        if (query.ActiveOnly)
        {
            rows = rows.Where(o => o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running);
        }

        if (!string.IsNullOrEmpty(query.Target))
        {
            rows = rows.Where(o => o.Target == query.Target);
        }

        if (!string.IsNullOrEmpty(query.Kind))
        {
            rows = rows.Where(o => o.Kind == query.Kind);
        }

        var list = await rows.OrderByDescending(o => o.Id).Take(Math.Clamp(query.Limit, 1, 1000)).ToListAsync(cancellationToken);
        return [.. list.Select(View)];
    }

    public async Task<OperationView?> GetAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        var row = await db.Operations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken);
        return row is null ? null : View(row);
    }

    /// <summary>The log lines after <paramref name="afterSeq"/>, in order (at most <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<OperationLogEntry>> ReadLogAsync(ClaimsPrincipal caller, Guid id, int afterSeq = 0, int limit = 5000, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, ReadRule, cancellationToken);
        return await db.OperationLog.AsNoTracking()
            .Where(l => l.OperationId == id && l.Seq > afterSeq)
            .OrderBy(l => l.Seq)
            .Take(Math.Clamp(limit, 1, OperationLimits.MaxLogLines + 1))
            .Select(l => new OperationLogEntry(l.Seq, l.At, l.Level, l.Text))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Requests an operation on behalf of <paramref name="caller"/>, who must hold the kind's policy.</summary>
    /// <exception cref="OperationRefusedException">Another operation holds the target; the message names it.</exception>
    public async Task<OperationView> RequestAsync(ClaimsPrincipal caller, OperationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var kind = Kind(request.Kind);
        await actions.DemandAsync(caller, kind.Access, cancellationToken);
        return await InsertAsync(caller, request, cancellationToken);
    }

    /// <summary>Requests an operation as the console itself (its schedulers): audited as "system", never awaiting a person's approval.</summary>
    public Task<OperationView> RequestAsSystemAsync(OperationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _ = Kind(request.Kind);
        return InsertAsync(AuditActors.System, request with { NeedsApproval = false }, cancellationToken);
    }

    private async Task<OperationView> InsertAsync(ClaimsPrincipal caller, OperationRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Target);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Title);
        await RefuseIfBusyAsync(request.Target, cancellationToken);
        var now = time.GetUtcNow();
        var (_, userId, name, _, _) = AuditActors.Describe(caller);
        var row = new StoredOperation
        {
            Id = Guid.CreateVersion7(now),
            Kind = request.Kind,
            Target = request.Target,
            Title = request.Title.Length > OperationLimits.TitleLength ? request.Title[..OperationLimits.TitleLength] : request.Title,
            Parameters = JsonSerializer.Serialize(request.Parameters ?? new Dictionary<string, string>(), Json),
            State = OperationLifecycle.Initial(request.NeedsApproval),
            RequestedBy = name,
            RequestedById = userId,
            RequestedAt = now,
            NeedsApproval = request.NeedsApproval,
            ApprovalExpiresAt = request.NeedsApproval ? now + options.Value.ApprovalExpiry : null,
            UpdatedAt = now,
        };
        try
        {
            await actions.RunAsync(caller, async work =>
            {
                db.Operations.Add(row);
                await db.SaveChangesAsync(cancellationToken);
                await work.RecordAsync("operations.requested", "operation", row.Id.ToString(), Details(row));
                work.Publish(OperationTopics.Changed, Changed(row));
                return true;
            }, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another request for the target won between the check above and the insert.
            db.ChangeTracker.Clear();
            await RefuseIfBusyAsync(request.Target, cancellationToken);
            throw;
        }

        signal.Wake();
        return View(row);
    }

    /// <summary>
    /// Approves an operation awaiting approval: the approver must be a different person (by user id) holding the kind's
    /// policy, before the request expires. A refusal is audited (outcome denied, with the reason) and thrown.
    /// </summary>
    public async Task<OperationView> ApproveAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        var row = await FindAsync(id, cancellationToken);
        var kind = Kind(row.Kind);
        await actions.DemandAsync(caller, kind.Access, cancellationToken);
        var (_, userId, name, _, _) = AuditActors.Describe(caller);
        var now = time.GetUtcNow();
        var verdict = OperationLifecycle.CheckApproval(
            row.State, row.RequestedById ?? "system", row.RequestedAt, options.Value.ApprovalExpiry, userId ?? name, approverMayAct: true, now);
        if (row.ApprovalExpiresAt is { } expires && now >= expires && verdict == ApprovalVerdict.Approved)
        {
            verdict = ApprovalVerdict.Expired;
        }

        if (verdict != ApprovalVerdict.Approved)
        {
            await actions.RecordAsync(
                new AuditEntry(caller, "operations.approved", "operation", id.ToString(), AuditOutcome.Denied,
                    new Dictionary<string, string?> { ["reason"] = OperationLifecycle.Describe(verdict), ["kind"] = row.Kind, ["target"] = row.Target, ["requested_by"] = row.RequestedBy }),
                cancellationToken);
            throw new OperationRefusedException(OperationLifecycle.Describe(verdict), verdict switch
            {
                ApprovalVerdict.SelfApproval => OperationRefusal.SelfApproval,
                ApprovalVerdict.Expired => OperationRefusal.Expired,
                _ => OperationRefusal.WrongState,
            });
        }

        var changed = await actions.RunAsync(caller, async work =>
        {
            var updated = await db.Operations
                .Where(o => o.Id == id && o.State == OperationState.AwaitingApproval)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(o => o.State, OperationState.Queued)
                    .SetProperty(o => o.ApprovedBy, name)
                    .SetProperty(o => o.ApprovedById, userId)
                    .SetProperty(o => o.ApprovedAt, now)
                    .SetProperty(o => o.UpdatedAt, now), cancellationToken);
            if (updated == 0)
            {
                return false;
            }

            await work.RecordAsync("operations.approved", "operation", id.ToString(),
                ("kind", row.Kind), ("target", row.Target), ("requested_by", row.RequestedBy), ("approved_by", name));
            work.Publish(OperationTopics.Changed, new OperationChanged(id, row.Target, OperationState.Queued, false));
            return true;
        }, cancellationToken);
        if (!changed)
        {
            throw new OperationRefusedException(OperationLifecycle.Describe(ApprovalVerdict.NotAwaitingApproval), OperationRefusal.WrongState);
        }

        signal.Wake();
        return View(await FindAsync(id, cancellationToken));
    }

    /// <summary>
    /// Cancels an operation: at once while queued or awaiting approval; while running, only a kind that can stop safely,
    /// by asking its runner to stop (the run ends as cancelled once it has cleaned up).
    /// </summary>
    public async Task<OperationView> CancelAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default)
    {
        var row = await FindAsync(id, cancellationToken);
        var kind = Kind(row.Kind);
        await actions.DemandAsync(caller, kind.Access, cancellationToken);
        if (!OperationLifecycle.CanCancel(row.State, kind.CancellableWhileRunning))
        {
            throw new OperationRefusedException(
                row.State == OperationState.Running
                    ? $"A running {row.Kind} cannot be stopped safely; wait for it to finish."
                    : $"The operation is {Words(row.State)}; there is nothing to cancel.",
                row.State == OperationState.Running ? OperationRefusal.NotCancellable : OperationRefusal.WrongState);
        }

        var (_, _, name, _, _) = AuditActors.Describe(caller);
        var now = time.GetUtcNow();
        var done = await actions.RunAsync(caller, async work =>
        {
            var updated = row.State == OperationState.Running
                ? await db.Operations.Where(o => o.Id == id && o.State == OperationState.Running)
                    .ExecuteUpdateAsync(s => s.SetProperty(o => o.CancelRequested, true).SetProperty(o => o.CancelledBy, name).SetProperty(o => o.UpdatedAt, now), cancellationToken)
                : await db.Operations.Where(o => o.Id == id && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(o => o.State, OperationState.Cancelled)
                        .SetProperty(o => o.CancelledBy, name)
                        .SetProperty(o => o.EndedAt, now)
                        .SetProperty(o => o.UpdatedAt, now), cancellationToken);
            if (updated == 0)
            {
                return false;
            }

            await work.RecordAsync("operations.cancelled", "operation", id.ToString(), ("kind", row.Kind), ("target", row.Target), ("state", row.State.ToString()));
            var state = row.State == OperationState.Running ? OperationState.Running : OperationState.Cancelled;
            work.Publish(OperationTopics.Changed, new OperationChanged(id, row.Target, state, row.State == OperationState.Running));
            return true;
        }, cancellationToken);
        if (!done)
        {
            throw new OperationRefusedException("The operation moved on meanwhile; reload and try again.", OperationRefusal.WrongState);
        }

        return View(await FindAsync(id, cancellationToken));
    }

    /// <summary>Whether <paramref name="caller"/> may request, approve and cancel operations of <paramref name="kind"/> (UI hints; the actions check again).</summary>
    public async Task<bool> MayActAsync(ClaimsPrincipal caller, string kind) =>
        kinds.FirstOrDefault(k => k.Name == kind) is { } k && await actions.IsAllowedAsync(caller, k.Access.Policy);

    public bool CanCancel(OperationView operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return kinds.FirstOrDefault(k => string.Equals(k.Name, operation.Kind, StringComparison.Ordinal)) is { } kind
            && OperationLifecycle.CanCancel(operation.State, kind.CancellableWhileRunning);
    }

    private async Task RefuseIfBusyAsync(string target, CancellationToken cancellationToken)
    {
        var active = await db.Operations.AsNoTracking()
            .Where(o => o.Target == target && (o.State == OperationState.Queued || o.State == OperationState.AwaitingApproval || o.State == OperationState.Running))
            .FirstOrDefaultAsync(cancellationToken);
        if (active is not null)
        {
            throw new OperationRefusedException(BusyMessage(active, time.GetUtcNow()), OperationRefusal.TargetBusy, active.Id);
        }
    }

    /// <summary>"sampleshop is busy: "Back up sampleshop (manual)" requested by alice 2 min ago is running (40 %)."</summary>
    internal static string BusyMessage(StoredOperation active, DateTimeOffset now)
    {
        var progress = active.State == OperationState.Running && active.Progress is { } p ? $" ({p:P0})" : "";
        var age = now - active.RequestedAt;
        var ago = age < TimeSpan.FromMinutes(1) ? "just now" : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes} min ago" : $"at {active.RequestedAt:yyyy-MM-dd HH:mm} UTC";
        return $"{active.Target} is busy: \"{active.Title}\" (operation {active.Id}) requested by {active.RequestedBy} {ago} is {Words(active.State)}{progress}. Wait for it to finish or cancel it.";
    }

    internal static string Words(OperationState state) => state switch
    {
        OperationState.AwaitingApproval => "awaiting approval",
        _ => state.ToString().ToLowerInvariant(),
    };

    private async Task<StoredOperation> FindAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Operations.AsNoTracking().SingleOrDefaultAsync(o => o.Id == id, cancellationToken)
        ?? throw new KeyNotFoundException($"There is no operation {id}.");

    private IOperationKind Kind(string name) =>
        kinds.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"'{name}' is not an operation kind this console knows ({string.Join(", ", kinds.Select(k => k.Name).Order(StringComparer.Ordinal))}).", nameof(name));

    private static Dictionary<string, string?> Details(StoredOperation row)
    {
        var details = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["kind"] = row.Kind,
            ["target"] = row.Target,
            ["title"] = row.Title,
            ["needs_approval"] = row.NeedsApproval ? "true" : "false",
        };
        foreach (var (key, value) in Parameters(row))
        {
            details[$"param.{key}"] = value;
        }

        return details;
    }

    internal static OperationChanged Changed(StoredOperation row) => new(row.Id, row.Target, row.State, row.CancelRequested);

    internal static IReadOnlyDictionary<string, string> Parameters(StoredOperation row) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(row.Parameters, Json) ?? [];

    internal static OperationView View(StoredOperation row) => new(
        row.Id, row.Kind, row.Target, row.Title, row.State, Parameters(row), row.RequestedBy, row.RequestedAt, row.NeedsApproval,
        row.ApprovalExpiresAt, row.ApprovedBy, row.ApprovedAt, row.CancelRequested, row.CancelledBy, row.Progress, row.Step,
        row.StartedAt, row.EndedAt, row.Error, row.Result, row.LogLines)
    {
        RequestedById = row.RequestedById,
    };
}

/// <summary>Wakes this instance's runner at once when something was queued here (other instances hear the live topic).</summary>
public sealed class OperationSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake: one wake-up covers any number of requests.
        }
    }

    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
