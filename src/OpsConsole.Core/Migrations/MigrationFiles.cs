using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OpsConsole.Core.Migrations;

/// <summary>
/// A migration version as Flyway reads it: numeric parts separated by '.' or '_' ("1.2" = "1_2"), compared part by part
/// as numbers, with missing parts as zero ("1.2" = "1.2.0").
/// </summary>
public sealed class MigrationVersion : IComparable<MigrationVersion>, IEquatable<MigrationVersion>
{
    private readonly System.Numerics.BigInteger[] parts;

    private MigrationVersion(System.Numerics.BigInteger[] parts, string text)
    {
        this.parts = parts;
        Text = text;
    }

    /// <summary>As written in the file name, '_' shown as '.' (Flyway's display).</summary>
    public string Text { get; }

    public static bool TryParse(string text, out MigrationVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var pieces = text.Split('.', '_');
        var parsed = new System.Numerics.BigInteger[pieces.Length];
        for (var i = 0; i < pieces.Length; i++)
        {
            if (pieces[i].Length == 0 || !pieces[i].All(char.IsAsciiDigit)
                || !System.Numerics.BigInteger.TryParse(pieces[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
            {
                return false;
            }
        }

        // Trailing zero parts do not count: 1.2.0 is 1.2.
        var length = parsed.Length;
        while (length > 1 && parsed[length - 1].IsZero)
        {
            length--;
        }

        version = new MigrationVersion(parsed[..length], string.Join('.', pieces));
        return true;
    }

    public int CompareTo(MigrationVersion? other)
    {
        if (other is null)
        {
            return 1;
        }

        for (var i = 0; i < Math.Max(parts.Length, other.parts.Length); i++)
        {
            var a = i < parts.Length ? parts[i] : System.Numerics.BigInteger.Zero;
            var b = i < other.parts.Length ? other.parts[i] : System.Numerics.BigInteger.Zero;
            var c = a.CompareTo(b);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    public bool Equals(MigrationVersion? other) => other is not null && CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is MigrationVersion v && Equals(v);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var part in parts)
        {
            hash.Add(part);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => Text;
}

/// <summary>One migration file: versioned (V) or its undo (U), with its description, SQL and SHA-256 checksum.</summary>
public sealed record MigrationFile(string FileName, bool IsUndo, MigrationVersion Version, string Description, string Sql, string Checksum);

/// <summary>A file in the migrations folder that cannot be used, and why (named in words the page and the log show).</summary>
public sealed record MigrationFileProblem(string FileName, string Problem);

/// <summary>What a migrations folder holds: the versioned migrations in version order, their undo scripts, and the files that are wrong.</summary>
public sealed record MigrationFolder(
    IReadOnlyList<MigrationFile> Migrations, IReadOnlyDictionary<MigrationVersion, MigrationFile> Undo, IReadOnlyList<MigrationFileProblem> Problems);

/// <summary>
/// Reads a folder of migrations named the way Flyway names them: <c>V&lt;version&gt;__&lt;description&gt;.sql</c> and the undo
/// <c>U&lt;version&gt;__&lt;description&gt;.sql</c> (two underscores; the description's underscores read as spaces). Other
/// .sql files, a duplicate version and an undo without its migration are problems naming the file; hidden files and
/// files that are not .sql are ignored, as Flyway does.
/// </summary>
public static partial class MigrationFiles
{
    public static MigrationFolder Read(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.TopDirectoryOnly)
            .Select(path => (Name: Path.GetFileName(path), Path: path))
            .Where(f => !f.Name.StartsWith('.'))
            .Select(f => (f.Name, (Func<string>)(() => File.ReadAllText(f.Path, Encoding.UTF8))));
        return Parse(files);
    }

    /// <summary>The same over (file name, content) pairs: the unit of the rules above.</summary>
    public static MigrationFolder Parse(IEnumerable<(string FileName, Func<string> Content)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var migrations = new Dictionary<MigrationVersion, MigrationFile>();
        var undo = new Dictionary<MigrationVersion, MigrationFile>();
        var problems = new List<MigrationFileProblem>();
        foreach (var (name, content) in files.OrderBy(f => f.FileName, StringComparer.Ordinal))
        {
            if (!name.EndsWith(".sql", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var match = FileName().Match(name);
            if (!match.Success || !MigrationVersion.TryParse(match.Groups["version"].Value, out var version))
            {
                problems.Add(new MigrationFileProblem(name,
                    "the name does not follow V<version>__<description>.sql (or U… for an undo): e.g. V1.2__add_orders_index.sql"));
                continue;
            }

            var isUndo = match.Groups["kind"].Value == "U";
            var sql = content();
            var file = new MigrationFile(name, isUndo, version!, match.Groups["description"].Value.Replace('_', ' ').Trim(), sql, Checksum(sql));
            var set = isUndo ? undo : migrations;
            if (set.TryGetValue(version!, out var first))
            {
                problems.Add(new MigrationFileProblem(name, $"version {version} is also {first.FileName}: each version must be unique"));
                continue;
            }

            set[version!] = file;
        }

        foreach (var orphan in undo.Values.Where(u => !migrations.ContainsKey(u.Version)).ToList())
        {
            problems.Add(new MigrationFileProblem(orphan.FileName, $"an undo script for version {orphan.Version}, which has no migration"));
            undo.Remove(orphan.Version);
        }

        return new MigrationFolder([.. migrations.Values.OrderBy(m => m.Version)], undo, problems);
    }

    /// <summary>
    /// SHA-256 of the SQL with line endings normalised to \n, lower-case hex: a file checked out on Windows (CRLF) is the
    /// same migration, any other change is a change.
    /// </summary>
    public static string Checksum(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var normalized = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }

    [GeneratedRegex(@"^(?<kind>[VU])(?<version>[0-9][0-9._]*)__(?<description>[^\\/]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex FileName();
}
