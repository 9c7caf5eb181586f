namespace OpsConsole.Core.Audit;

public static class AuditOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Denied = "denied";
}

public static class AuditActorType
{
    public const string User = "user";
    public const string Device = "device";
    public const string Token = "token";
    public const string System = "system";
    public const string Anonymous = "anonymous";
}

/// <summary>What every audit row holds, before and after it joins the chain (an unmapped base: EF maps it per table).</summary>
public abstract class AuditFields
{
    /// <summary>UTC, microsecond precision (what PostgreSQL stores), so the stored value re-hashes identically.</summary>
    public DateTimeOffset OccurredAt { get; set; }

    public string ActorType { get; set; } = AuditActorType.System;

    public string? ActorId { get; set; }

    public string ActorName { get; set; } = "system";

    public string[] ActorRoles { get; set; } = [];

    /// <summary>A stable dotted name, e.g. <c>identity.user.role_added</c>.</summary>
    public string Action { get; set; } = "";

    public string TargetType { get; set; } = "";

    public string? TargetId { get; set; }

    public string Outcome { get; set; } = AuditOutcome.Succeeded;

    public string? Reason { get; set; }

    public string? ClientIp { get; set; }

    public string? UserAgent { get; set; }

    public string? CorrelationId { get; set; }

    /// <summary>A JSON object of string values (jsonb); <see cref="AuditCanonical"/> hashes it with sorted keys.</summary>
    public string Details { get; set; } = "{}";
}

/// <summary>
/// Written in the action's own transaction (so no audit means no action); the chain writer moves it into the log
/// moments later, in commit order, under one writer.
/// </summary>
public sealed class AuditInboxItem : AuditFields
{
    public long Id { get; set; }
}

/// <summary>One record of the tamper-evident log: insert-only, hash-chained by <see cref="Sequence"/>.</summary>
public sealed class AuditRecord : AuditFields
{
    public long Sequence { get; set; }

    public byte[] PreviousHash { get; set; } = [];

    public byte[] Hash { get; set; } = [];
}

/// <summary>The chain's head: one row, locked by whichever writer appends, so concurrent writers cannot fork it.</summary>
public sealed class AuditChainHead
{
    public int Id { get; set; } = 1;

    public long LastSequence { get; set; }

    public byte[] LastHash { get; set; } = new byte[32];
}
