using System.Security.Claims;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Operations;

/// <summary>An operation as pages and the API show it.</summary>
public sealed record OperationView(
    Guid Id,
    string Kind,
    string Target,
    string Title,
    OperationState State,
    IReadOnlyDictionary<string, string> Parameters,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    bool NeedsApproval,
    DateTimeOffset? ApprovalExpiresAt,
    string? ApprovedBy,
    DateTimeOffset? ApprovedAt,
    bool CancelRequested,
    string? CancelledBy,
    double? Progress,
    string? Step,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Error,
    string? Result,
    int LogLines)
{
    public bool IsFinal => OperationLifecycle.IsFinal(State);

    /// <summary>The requester's user id; null when the console itself requested it (its schedulers).</summary>
    public string? RequestedById { get; init; }

    /// <summary>
    /// Whether <paramref name="caller"/> requested this operation, compared by user id as approval compares (a renamed
    /// account is still the requester), so a page can say why its approve button does nothing for them.
    /// </summary>
    public bool IsRequestedBy(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var (_, userId, name, _, _) = AuditActors.Describe(caller);
        return string.Equals(RequestedById ?? "system", userId ?? name, StringComparison.Ordinal);
    }

    /// <summary>How long it ran, or has been running at <paramref name="now"/>; null before it started.</summary>
    public TimeSpan? DurationAt(DateTimeOffset now) => StartedAt is { } start ? (EndedAt ?? now) - start : null;
}

/// <summary>One log line as shown: number, time, level, text.</summary>
public sealed record OperationLogEntry(int Seq, DateTimeOffset At, OperationLogLevel Level, string Text);

/// <summary>An operation changed state, progress or step (or was requested).</summary>
public sealed record OperationChanged(Guid Id, string Target, OperationState State, bool CancelRequested);

/// <summary>An operation's log grew to <paramref name="LastSeq"/> lines: viewers read the lines after the last one they have.</summary>
public sealed record OperationLogGrew(Guid Id, int LastSeq);

/// <summary>Live topics of the operation layer; distributed, so a viewer on another instance follows a run live.</summary>
public static class OperationTopics
{
    public static LiveTopic<OperationChanged> Changed { get; } = new("operations.changed", Distributed: true);

    public static LiveTopic<OperationLogGrew> LogGrew { get; } = new("operations.log", Distributed: true);
}

/// <summary>Why a request or an action on an operation was refused, in words for the page and the API's problem body.</summary>
public sealed class OperationRefusedException(string message, OperationRefusal reason, Guid? blockingOperation = null) : InvalidOperationException(message)
{
    public OperationRefusal Reason { get; } = reason;

    /// <summary>The operation that holds the target, when that is the reason.</summary>
    public Guid? BlockingOperation { get; } = blockingOperation;
}

public enum OperationRefusal
{
    /// <summary>Another operation holds the target (HTTP 409).</summary>
    TargetBusy,

    /// <summary>The operation is in a state that does not allow it (HTTP 409).</summary>
    WrongState,

    /// <summary>The requester tried to approve their own operation (HTTP 403).</summary>
    SelfApproval,

    /// <summary>The request expired before it was approved (HTTP 409).</summary>
    Expired,

    /// <summary>A running operation of a kind that cannot stop safely (HTTP 409).</summary>
    NotCancellable,
}
