using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Tests.Audit;

/// <summary>
/// The golden audit sample: one record with every field set, awkward values included (+01:00 with sub-µs ticks, unsorted
/// roles and detail keys, quotes and a newline in the user agent). Its canonical text and hashes are pinned as golden
/// vectors, so every test that hashes it must build it from here.
/// </summary>
internal static class AuditGoldenSample
{
    /// <summary>As the chain holds it, at <paramref name="sequence"/> after <paramref name="previousHash"/> (default: none yet).</summary>
    public static AuditRecord Record(long sequence = 0, byte[]? previousHash = null) =>
        Fill(new AuditRecord { Sequence = sequence, PreviousHash = previousHash ?? [] });

    /// <summary>As an action writes it, before the chain writer gives it a sequence.</summary>
    public static AuditInboxItem InboxItem() => Fill(new AuditInboxItem());

    private static T Fill<T>(T fields)
        where T : AuditFields
    {
        fields.OccurredAt = new DateTimeOffset(2026, 11, 23, 1, 2, 3, TimeSpan.FromHours(1)).AddTicks(1234567); // +01:00, sub-µs ticks
        fields.ActorType = AuditActorType.User;
        fields.ActorId = "u-1";
        fields.ActorName = "alice";
        fields.ActorRoles = ["Sre", "Admin"];
        fields.Action = "identity.user.role_added";
        fields.TargetType = "user";
        fields.TargetId = "u-2";
        fields.Outcome = AuditOutcome.Succeeded;
        fields.Reason = null;
        fields.ClientIp = "127.0.0.1";
        fields.UserAgent = "Mozilla/5.0 \"quoted\"\n";
        fields.CorrelationId = "c-1";
        fields.Details = """{"z":"last","a":"first é","n":null}""";
        return fields;
    }
}
