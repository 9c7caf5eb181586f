using System.Security.Claims;

namespace OpsConsole.Core.Operations;

/// <summary>
/// What the operation pages call: read, approve, cancel, and the two hints that decide which buttons show.
/// <see cref="OperationService"/> is the one implementation (resolve either; both are scoped); page tests fake this
/// interface, since the service itself needs PostgreSQL. Requesting stays on <see cref="OperationService"/>: each
/// capability requests its own kind.
/// </summary>
public interface IOperationService
{
    Task<IReadOnlyList<OperationView>> ListAsync(ClaimsPrincipal caller, OperationQuery query, CancellationToken cancellationToken = default);

    Task<OperationView?> GetAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default);

    /// <summary>The log lines after <paramref name="afterSeq"/>, in order (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<OperationLogEntry>> ReadLogAsync(ClaimsPrincipal caller, Guid id, int afterSeq = 0, int limit = 5000, CancellationToken cancellationToken = default);

    /// <exception cref="OperationRefusedException">Self-approval, expired, or no longer awaiting approval.</exception>
    /// <exception cref="UnauthorizedAccessException">The caller lacks the kind's policy.</exception>
    Task<OperationView> ApproveAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default);

    /// <exception cref="OperationRefusedException">Final already, or running and its kind cannot stop safely.</exception>
    /// <exception cref="UnauthorizedAccessException">The caller lacks the kind's policy.</exception>
    Task<OperationView> CancelAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Whether <paramref name="caller"/> may request, approve and cancel operations of <paramref name="kind"/> (a UI hint).</summary>
    Task<bool> MayActAsync(ClaimsPrincipal caller, string kind);

    /// <summary>Whether <paramref name="operation"/> may be cancelled in its state, by its kind's rule (a UI hint; cancelling checks again).</summary>
    bool CanCancel(OperationView operation);
}
