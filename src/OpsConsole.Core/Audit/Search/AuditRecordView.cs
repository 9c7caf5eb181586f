using Npgsql;

namespace OpsConsole.Core.Audit.Search;

/// <summary>One audit record as readers see it: every field, details parsed, the chain hashes as lowercase hex.</summary>
public sealed record AuditRecordView(
    long Sequence,
    DateTimeOffset OccurredAt,
    string ActorType,
    string? ActorId,
    string ActorName,
    IReadOnlyList<string> ActorRoles,
    string Action,
    string TargetType,
    string? TargetId,
    string Outcome,
    string? Reason,
    string? ClientIp,
    string? UserAgent,
    string? CorrelationId,
    IReadOnlyDictionary<string, string?> Details,
    string PreviousHash,
    string Hash)
{
    /// <summary>
    /// What the target is called now (a user's name for a user id), when the capability that owns it knows it; filled
    /// for readers by <see cref="AuditTargetNames"/>, never stored or hashed.
    /// </summary>
    public string? TargetName { get; init; }

    /// <summary>Reads a row selected with <see cref="AuditSearchSql.Columns"/>.</summary>
    internal static AuditRecordView Read(NpgsqlDataReader reader)
    {
        var fields = AuditChainWriter.ReadFields(reader, 3);
        return new AuditRecordView(
            reader.GetInt64(0),
            fields.OccurredAt.ToUniversalTime(),
            fields.ActorType,
            fields.ActorId,
            fields.ActorName,
            fields.ActorRoles,
            fields.Action,
            fields.TargetType,
            fields.TargetId,
            fields.Outcome,
            fields.Reason,
            fields.ClientIp,
            fields.UserAgent,
            fields.CorrelationId,
            AuditCanonical.ParseDetails(fields.Details),
            Convert.ToHexStringLower((byte[])reader[1]),
            Convert.ToHexStringLower((byte[])reader[2]));
    }
}

/// <summary>A page of records, newest first; <see cref="NextCursor"/> is the cursor of the next (older) page, null at the end.</summary>
public sealed record AuditSearchPage(IReadOnlyList<AuditRecordView> Items, long? NextCursor);

/// <summary>A record with the nearest older and newer records the caller may see (null when there is none).</summary>
public sealed record AuditRecordDetail(AuditRecordView Record, long? PreviousSequence, long? NextSequence);
