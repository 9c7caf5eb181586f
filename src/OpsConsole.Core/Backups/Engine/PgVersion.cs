using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// A PostgreSQL release, as a server (<c>server_version_num</c>) or a client tool (<c>pg_dump --version</c>) reports
/// it. <see cref="Text"/> is what people read ("15.10", "17beta1"); the numbers are what compatibility compares.
/// </summary>
public sealed partial record PgVersion(int Major, int Minor, string Text)
{
    /// <summary>The release line a package is named after: "16" from version 10 on, "9.6" before.</summary>
    public string ReleaseLine => Major >= 10 ? Major.ToString(CultureInfo.InvariantCulture) : $"{Major}.{Minor}";

    /// <summary>Orders release lines: before 10 the second number was part of the major (9.6 &lt; 10 &lt; 16).</summary>
    internal int ReleaseRank => Major >= 10 ? Major * 100 : (Major * 100) + Minor;

    public override string ToString() => Text;

    /// <summary>
    /// From <c>server_version_num</c> (160004 is 16.4, 90624 is 9.6.24); <paramref name="text"/> is
    /// <c>server_version</c> when known ("15.18 (Debian 15.18-0+deb12u1)" keeps "15.18").
    /// </summary>
    public static PgVersion FromServerVersionNum(int versionNum, string? text = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(versionNum, 10000);
        var major = versionNum / 10000;
        var (minor, defaultText) = major >= 10
            ? (versionNum % 10000, $"{major}.{versionNum % 10000}")
            : (versionNum / 100 % 100, $"{major}.{versionNum / 100 % 100}.{versionNum % 100}");
        var shown = text?.Trim().Split(' ', 2)[0];
        return new PgVersion(major, minor, string.IsNullOrEmpty(shown) ? defaultText : shown);
    }

    /// <summary>
    /// Reads <c>pg_dump (PostgreSQL) 15.10 (Debian 15.10-0+deb12u1)</c>, <c>pg_restore (PostgreSQL) 9.6.24</c> or
    /// <c>pg_dump (PostgreSQL) 17beta1</c>.
    /// </summary>
    public static bool TryParseToolVersion(string? output, [NotNullWhen(true)] out PgVersion? version)
    {
        version = null;
        if (string.IsNullOrWhiteSpace(output))
        {
            return false;
        }

        var match = ToolVersionPattern().Match(output);
        if (!match.Success
            || !int.TryParse(match.Groups["major"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return false;
        }

        var minor = match.Groups["minor"].Success
            ? int.Parse(match.Groups["minor"].Value, NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
        version = new PgVersion(major, minor, match.Groups["text"].Value);
        return true;
    }

    [GeneratedRegex(@"\(PostgreSQL\)\s+(?<text>(?<major>\d{1,4})(?:\.(?<minor>\d{1,4}))?(?:\.\d{1,4})?[A-Za-z0-9]*)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex ToolVersionPattern();
}

/// <summary>pg_dump refuses (or worse, silently mis-dumps) a server of a newer major version, so check first and say so.</summary>
public static class PgVersionCheck
{
    /// <summary>Null when <paramref name="pgDump"/> can dump <paramref name="server"/>; otherwise the refusal, naming both versions.</summary>
    public static string? Refusal(PgVersion pgDump, PgVersion server)
    {
        ArgumentNullException.ThrowIfNull(pgDump);
        ArgumentNullException.ThrowIfNull(server);
        return pgDump.ReleaseRank >= server.ReleaseRank
            ? null
            : $"pg_dump {pgDump.Text} cannot dump a PostgreSQL {server.Text} server: install postgresql-client-{server.ReleaseLine} or newer";
    }

    /// <exception cref="BackupFailedException">With <see cref="BackupFailure.VersionMismatch"/> and the refusal text.</exception>
    public static void EnsureCanDump(PgVersion pgDump, PgVersion server)
    {
        if (Refusal(pgDump, server) is { } refusal)
        {
            throw new BackupFailedException(BackupFailure.VersionMismatch, refusal);
        }
    }
}
