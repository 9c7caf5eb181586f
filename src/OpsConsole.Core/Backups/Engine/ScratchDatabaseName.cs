using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>What a database the console creates next to a managed one is for; its name says so (<c>&lt;db&gt;__drill_…</c>).</summary>
public enum ScratchPurpose
{
    /// <summary>A restore drill's target, dropped when the drill ends.</summary>
    Drill,

    /// <summary>A restore's target before it is swapped in.</summary>
    Restore,

    /// <summary>The original database a restore moved aside: the way back, never swept automatically.</summary>
    Before,

    /// <summary>A copy that pending schema migrations are rehearsed on, dropped when the rehearsal ends.</summary>
    Rehearsal,
}

/// <summary>
/// Names of the console's scratch databases: <c>&lt;db&gt;__&lt;purpose&gt;_&lt;yyyyMMddHHmmss&gt;</c> (UTC), at most 63 bytes
/// (PostgreSQL would silently truncate a longer name, so the database part is shortened instead, on a character
/// boundary). The restart sweep finds a dead console's leftovers by the same rule.
/// </summary>
public static class ScratchDatabaseName
{
    /// <summary>PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes.</summary>
    public const int MaxBytes = 63;

    private const string StampFormat = "yyyyMMddHHmmss";

    public static string For(string database, ScratchPurpose purpose, DateTimeOffset at) =>
        Prefix(database, purpose) + at.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);

    /// <summary>Everything before the time stamp: the (possibly shortened) database name and the purpose marker.</summary>
    public static string Prefix(string database, ScratchPurpose purpose)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var marker = Marker(purpose);
        var room = MaxBytes - marker.Length - StampFormat.Length;
        var kept = new StringBuilder();
        var bytes = 0;
        foreach (var rune in database.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > room)
            {
                break;
            }

            kept.Append(rune.ToString());
        }

        return kept + marker;
    }

    /// <summary>Whether <paramref name="candidate"/> is a scratch database of <paramref name="database"/> for <paramref name="purpose"/>.</summary>
    public static bool IsScratchOf(string candidate, string database, ScratchPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var prefix = Prefix(database, purpose);
        return candidate.Length == prefix.Length + StampFormat.Length
            && candidate.StartsWith(prefix, StringComparison.Ordinal)
            && DateTime.TryParseExact(candidate[prefix.Length..], StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
    }

    private static string Marker(ScratchPurpose purpose) => purpose switch
    {
        ScratchPurpose.Drill => "__drill_",
        ScratchPurpose.Restore => "__restore_",
        ScratchPurpose.Before => "__before_",
        ScratchPurpose.Rehearsal => "__rehearse_",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, null),
    };
}
