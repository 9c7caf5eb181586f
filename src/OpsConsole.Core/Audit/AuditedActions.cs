using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Who may act on a capability: the named policy, and how a refusal is audited (<c>DeniedAction</c> on
/// <c>TargetType</c> "*", outcome denied, with the policy) and told to the caller (<c>RefusalMessage</c>).
/// </summary>
public sealed record AccessRule(string Policy, string DeniedAction, string TargetType, string RefusalMessage);

/// <summary>
/// The steps every state-changing action repeats, in one place: demand the named policy (a refusal is audited and
/// throws <see cref="UnauthorizedAccessException"/>), run the change and its audit records in one transaction (no audit,
/// no action; joins the caller's transaction when one is open), and publish live events only once it committed.
/// </summary>
public sealed class AuditedActions(ConsoleDbContext db, IAuthorizationService authorization, IAuditTrail audit, ILiveEvents live)
{
    /// <summary>Checks <paramref name="caller"/> against the rule's policy; a refusal is audited, then thrown.</summary>
    public async Task DemandAsync(ClaimsPrincipal caller, AccessRule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(rule);
        if (!await IsAllowedAsync(caller, rule.Policy))
        {
            await audit.RecordAsync(
                new AuditEntry(caller, rule.DeniedAction, rule.TargetType, "*", AuditOutcome.Denied, new Dictionary<string, string?> { ["policy"] = rule.Policy }),
                cancellationToken);
            throw new UnauthorizedAccessException(rule.RefusalMessage);
        }
    }

    public async Task<bool> IsAllowedAsync(ClaimsPrincipal caller, string policy) =>
        (await authorization.AuthorizeAsync(caller, policy)).Succeeded;

    /// <summary>
    /// Records an observation outside any action (a verification's result, a read): written at once, or, for a failure
    /// or denial the database cannot take now, spooled until it can.
    /// </summary>
    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default) => audit.RecordAsync(entry, cancellationToken);

    /// <summary>Publishes after the current transaction commits, or at once when none is open.</summary>
    public void Publish<T>(LiveTopic<T> topic, T payload) => db.OnCommitted(() => live.Publish(topic, payload));

    /// <summary>Demands <paramref name="rule"/>, then runs <paramref name="work"/> as one audited transaction.</summary>
    public async Task<T> RunAsync<T>(ClaimsPrincipal caller, AccessRule rule, Func<AuditedWork, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await DemandAsync(caller, rule, cancellationToken);
        return await RunAsync(caller, work, cancellationToken);
    }

    /// <inheritdoc cref="RunAsync{T}(ClaimsPrincipal, AccessRule, Func{AuditedWork, Task{T}}, CancellationToken)"/>
    public Task RunAsync(ClaimsPrincipal caller, AccessRule rule, Func<AuditedWork, Task> work, CancellationToken cancellationToken = default) =>
        RunAsync(caller, rule, async w =>
        {
            await work(w);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> and the audit records it writes through <see cref="AuditedWork.RecordAsync"/> in one
    /// transaction, for actions whose authorization is not a policy (e.g. a user ending their own session).
    /// </summary>
    public Task<T> RunAsync<T>(ClaimsPrincipal caller, Func<AuditedWork, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(work);
        return AuditedTransaction.RunAsync(db, () => work(new AuditedWork(caller, db, audit, live, cancellationToken)), cancellationToken);
    }
}

/// <summary>What an action's body does besides its change: audit records in its transaction, live events after commit.</summary>
public sealed class AuditedWork
{
    private readonly ConsoleDbContext _db;
    private readonly IAuditTrail _audit;
    private readonly ILiveEvents _live;
    private readonly CancellationToken _cancellationToken;

    internal AuditedWork(ClaimsPrincipal caller, ConsoleDbContext db, IAuditTrail audit, ILiveEvents live, CancellationToken cancellationToken)
    {
        Caller = caller;
        _db = db;
        _audit = audit;
        _live = live;
        _cancellationToken = cancellationToken;
    }

    public ClaimsPrincipal Caller { get; }

    /// <summary>The caller's name as actions store it (owner, revoked by, created by).</summary>
    public string CallerName => Caller.Identity?.Name ?? "unknown";

    /// <summary>Records that <paramref name="action"/> succeeded on the target, in the action's transaction.</summary>
    public Task RecordAsync(string action, string targetType, string targetId, params (string Key, string? Value)[] details) =>
        RecordAsync(action, targetType, targetId, AuditOutcome.Succeeded, details);

    public Task RecordAsync(string action, string targetType, string targetId, string outcome, params (string Key, string? Value)[] details)
    {
        ArgumentNullException.ThrowIfNull(details);
        var map = details.Length == 0 ? null : details.ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        return _audit.RecordAsync(new AuditEntry(Caller, action, targetType, targetId, outcome, map), _cancellationToken);
    }

    /// <summary>Records that <paramref name="action"/> succeeded on the target, with details built elsewhere.</summary>
    public Task RecordAsync(string action, string targetType, string targetId, IReadOnlyDictionary<string, string?> details) =>
        _audit.RecordAsync(new AuditEntry(Caller, action, targetType, targetId, AuditOutcome.Succeeded, details), _cancellationToken);

    /// <summary>Records an entry of another actor (e.g. a device that paired), in the action's transaction.</summary>
    public Task RecordAsync(AuditEntry entry) => _audit.RecordAsync(entry, _cancellationToken);

    /// <summary>Publishes once the transaction commits (never if it rolls back), so no page sees a change before it is visible.</summary>
    public void Publish<T>(LiveTopic<T> topic, T payload) => _db.OnCommitted(() => _live.Publish(topic, payload));
}
