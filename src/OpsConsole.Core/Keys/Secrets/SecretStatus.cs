namespace OpsConsole.Core.Keys.Secrets;

/// <summary>
/// ok; due_soon (within WarnBefore of its due date); overdue (past it); unknown (no rotation recorded yet, and less than
/// one RotationPeriod since the console first saw it declared: it needs a first record, but is not late yet).
/// </summary>
public enum SecretState
{
    Ok,
    DueSoon,
    Overdue,
    Unknown,
}

/// <summary>Where a secret stands at one instant: its state, when the next rotation is due, and the last recorded one.</summary>
public sealed record SecretStatus(SecretState State, DateTimeOffset DueAt, DateTimeOffset? LastRotatedAt)
{
    /// <summary>
    /// Pure, for the service, the watch and tests. A secret never recorded is due one period after it was first declared:
    /// the console cannot know its real age, and alerting on the day it is declared would only teach people to ignore it.
    /// </summary>
    public static SecretStatus Of(DeclaredSecret secret, DateTimeOffset? lastRotatedAt, DateTimeOffset firstDeclaredAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var due = (lastRotatedAt ?? firstDeclaredAt) + secret.RotationPeriod;
        var state = now >= due ? SecretState.Overdue
            : lastRotatedAt is null ? SecretState.Unknown
            : due - now <= secret.WarnBefore ? SecretState.DueSoon
            : SecretState.Ok;
        return new SecretStatus(state, due, lastRotatedAt);
    }

    /// <summary>The state as the API and metrics name it: ok, due_soon, overdue, unknown.</summary>
    public static string Name(SecretState state) => state switch
    {
        SecretState.DueSoon => "due_soon",
        SecretState.Overdue => "overdue",
        SecretState.Unknown => "unknown",
        _ => "ok",
    };
}
