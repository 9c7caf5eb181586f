namespace OpsConsole.Core.Operations;

/// <summary>Where a long action is in its life. Succeeded, Failed and Cancelled are final.</summary>
public enum OperationState
{
    /// <summary>Accepted, waiting for its target's lock and a runner.</summary>
    Queued,

    /// <summary>The target requires a second person: nothing runs until someone else approves (or the request expires).</summary>
    AwaitingApproval,

    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>Why an approval was refused, or <see cref="Approved"/>.</summary>
public enum ApprovalVerdict
{
    Approved,

    /// <summary>The requester may not approve their own operation: the point is a second person.</summary>
    SelfApproval,

    /// <summary>The approver lacks the role that may act on the target.</summary>
    NotAllowed,

    /// <summary>The request waited longer than its expiry; it is failed, and must be requested again.</summary>
    Expired,

    /// <summary>The operation is not awaiting approval (already approved, running, finished or cancelled).</summary>
    NotAwaitingApproval,
}

/// <summary>
/// The operation state machine every long action follows (backups, restores, migrations, key rotations, erasures):
/// queued → (awaiting approval →) running → succeeded / failed / cancelled. Pure rules, so the store, the runner, the
/// API and the pages all ask the same questions and get the same answers.
/// </summary>
public static class OperationLifecycle
{
    private static readonly Dictionary<OperationState, OperationState[]> Moves = new()
    {
        [OperationState.AwaitingApproval] = [OperationState.Queued, OperationState.Failed, OperationState.Cancelled],
        [OperationState.Queued] = [OperationState.Running, OperationState.Failed, OperationState.Cancelled],
        [OperationState.Running] = [OperationState.Succeeded, OperationState.Failed, OperationState.Cancelled],
        [OperationState.Succeeded] = [],
        [OperationState.Failed] = [],
        [OperationState.Cancelled] = [],
    };

    /// <summary>The state a new request starts in.</summary>
    public static OperationState Initial(bool needsApproval) => needsApproval ? OperationState.AwaitingApproval : OperationState.Queued;

    public static bool IsFinal(OperationState state) => Moves[state].Length == 0;

    /// <summary>Whether an operation may go from <paramref name="from"/> to <paramref name="to"/>; a final state never moves.</summary>
    public static bool CanMove(OperationState from, OperationState to) => Moves[from].Contains(to);

    /// <summary>
    /// Cancel is safe before the work starts, and while it runs only when the kind says so (a backup can stop and
    /// delete its partial file; a restore past its swap cannot).
    /// </summary>
    public static bool CanCancel(OperationState state, bool cancellableWhileRunning) =>
        state is OperationState.Queued or OperationState.AwaitingApproval || (state is OperationState.Running && cancellableWhileRunning);

    /// <summary>
    /// Whether <paramref name="approver"/> may approve now: a different person (compared by user id, not by name, so a
    /// renamed account is still the same person), allowed to act on the target, before the request expires.
    /// </summary>
    public static ApprovalVerdict CheckApproval(
        OperationState state, string requestedById, DateTimeOffset requestedAt, TimeSpan expiresAfter,
        string approverId, bool approverMayAct, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestedById);
        ArgumentException.ThrowIfNullOrEmpty(approverId);
        if (state != OperationState.AwaitingApproval)
        {
            return ApprovalVerdict.NotAwaitingApproval;
        }

        if (IsExpired(requestedAt, expiresAfter, now))
        {
            return ApprovalVerdict.Expired;
        }

        if (string.Equals(requestedById, approverId, StringComparison.Ordinal))
        {
            return ApprovalVerdict.SelfApproval;
        }

        return approverMayAct ? ApprovalVerdict.Approved : ApprovalVerdict.NotAllowed;
    }

    /// <summary>A request awaiting approval expires at <paramref name="requestedAt"/> + <paramref name="expiresAfter"/> (that instant included).</summary>
    public static bool IsExpired(DateTimeOffset requestedAt, TimeSpan expiresAfter, DateTimeOffset now) => now >= requestedAt + expiresAfter;

    /// <summary>The words each refusal is shown and audited with.</summary>
    public static string Describe(ApprovalVerdict verdict) => verdict switch
    {
        ApprovalVerdict.Approved => "approved",
        ApprovalVerdict.SelfApproval => "You requested this operation: a different person must approve it.",
        ApprovalVerdict.NotAllowed => "Your roles may not act on this target, so you cannot approve operations on it.",
        ApprovalVerdict.Expired => "The request expired before anyone approved it; request the operation again.",
        _ => "This operation is not awaiting approval.",
    };

    /// <summary>The reason an operation a dead console left running is failed with at the next start.</summary>
    public const string RestartedReason = "console restarted during the operation";
}
