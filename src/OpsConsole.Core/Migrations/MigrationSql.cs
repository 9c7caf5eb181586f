using System.Text;

namespace OpsConsole.Core.Migrations;

/// <summary>One statement of a migration: its text and the line of the file it starts on (for "failed at line N").</summary>
public sealed record SqlStatement(string Text, int Line, IReadOnlyList<string> Words);

/// <summary>How much a statement blocks: a note, a strong lock worth a look, or something that must not run as written.</summary>
public enum LockSeverity
{
    Info,
    Warning,
    Refused,
}

/// <summary>A flagged statement: where, how bad, and why in words an operator acts on.</summary>
public sealed record LockFlag(int Line, LockSeverity Severity, string Lock, string Why);

/// <summary>
/// Splits a PostgreSQL migration into statements and flags the ones that take strong locks, the way linters such as
/// squawk and strong_migrations do. Hand-written because no maintained .NET library parses PostgreSQL scripts (libpg_query
/// has no managed binding here): it only needs PostgreSQL's lexical rules — quotes, E'' strings, dollar quoting, nested
/// comments — and the first words of each statement.
/// </summary>
public static class MigrationSql
{
    /// <summary>Whether a migration opts out of the transaction (for CONCURRENTLY and the like), by a first-lines marker.</summary>
    public const string NonTransactionalMarker = "-- opsconsole:no-transaction";

    public static bool IsNonTransactional(string sql) =>
        sql.Split('\n').Take(5).Any(l => l.Trim().Equals(NonTransactionalMarker, StringComparison.OrdinalIgnoreCase));

    public static IReadOnlyList<SqlStatement> Split(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var statements = new List<SqlStatement>();
        var text = new StringBuilder();
        var words = new List<string>();
        var word = new StringBuilder();
        var line = 1;
        var startLine = 0;
        var i = 0;

        void EndWord()
        {
            if (word.Length > 0)
            {
                words.Add(word.ToString().ToUpperInvariant());
                word.Clear();
            }
        }

        void Emit()
        {
            EndWord();
            if (words.Count > 0)
            {
                statements.Add(new SqlStatement(text.ToString().Trim(), startLine, [.. words]));
            }

            text.Clear();
            words.Clear();
            startLine = 0;
        }

        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (c == '-' && next == '-')
            {
                EndWord();
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '/' && next == '*')
            {
                EndWord();
                var depth = 0;
                do
                {
                    if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
                    {
                        depth++;
                        i += 2;
                    }
                    else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
                    {
                        depth--;
                        i += 2;
                    }
                    else
                    {
                        line += sql[i] == '\n' ? 1 : 0;
                        i++;
                    }
                }
                while (depth > 0 && i < sql.Length);
                continue;
            }

            if (startLine == 0 && !char.IsWhiteSpace(c) && c != ';')
            {
                startLine = line;
            }

            if (c == '\'' || c == '"')
            {
                EndWord();
                // E'' strings escape with a backslash; standard strings and identifiers only by doubling.
                var escapes = c == '\'' && text.Length > 0 && (text[^1] is 'E' or 'e') && (text.Length == 1 || !char.IsLetterOrDigit(text[^2]));
                text.Append(c);
                i++;
                while (i < sql.Length)
                {
                    var d = sql[i];
                    text.Append(d);
                    line += d == '\n' ? 1 : 0;
                    i++;
                    if (escapes && d == '\\' && i < sql.Length)
                    {
                        text.Append(sql[i]);
                        i++;
                    }
                    else if (d == c)
                    {
                        if (i < sql.Length && sql[i] == c)
                        {
                            text.Append(sql[i]);
                            i++;
                        }
                        else
                        {
                            break;
                        }
                    }
                }

                if (c == '"')
                {
                    words.Add("\"IDENT\"");
                }

                continue;
            }

            if (c == '$' && word.Length == 0 && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                end = end < 0 ? sql.Length : end + tag.Length;
                var body = sql[i..end];
                text.Append(body);
                line += body.Count(ch => ch == '\n');
                i = end;
                words.Add("$BODY$");
                continue;
            }

            if (c == ';')
            {
                Emit();
                i++;
                continue;
            }

            text.Append(c);
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                word.Append(c);
            }
            else
            {
                EndWord();
                if (c == '(' || c == ')' || c == ',')
                {
                    words.Add(c.ToString());
                }
            }

            line += c == '\n' ? 1 : 0;
            i++;
        }

        Emit();
        return statements;
    }

    /// <summary>
    /// The statements of <paramref name="sql"/> that take strong locks or cannot run as the migration is set to run.
    /// <paramref name="transactional"/>: whether the migration runs in a transaction (CONCURRENTLY is then refused).
    /// </summary>
    public static IReadOnlyList<LockFlag> Flag(string sql, bool transactional)
    {
        var flags = new List<LockFlag>();
        foreach (var statement in Split(sql))
        {
            if (Classify(statement.Words, transactional) is { } flag)
            {
                flags.Add(new LockFlag(statement.Line, flag.Severity, flag.Lock, flag.Why));
            }
        }

        return flags;
    }

    private static (LockSeverity Severity, string Lock, string Why)? Classify(IReadOnlyList<string> w, bool transactional)
    {
        bool Starts(params string[] prefix) => w.Count >= prefix.Length && prefix.Select((p, k) => w[k] == p).All(x => x);
        bool Has(string word) => w.Contains(word);
        var concurrently = Has("CONCURRENTLY");

        if (transactional && (concurrently || Starts("VACUUM") || Starts("CREATE", "DATABASE") || Starts("DROP", "DATABASE") || Starts("ALTER", "SYSTEM")))
        {
            return (LockSeverity.Refused, "cannot run in a transaction",
                "PostgreSQL refuses this inside a transaction block; put it in a migration of its own marked "
                + $"\"{NonTransactionalMarker}\" on its first line");
        }

        if ((Starts("CREATE", "INDEX") || Starts("CREATE", "UNIQUE", "INDEX")) && !concurrently)
        {
            return (LockSeverity.Warning, "SHARE on the table",
                "CREATE INDEX without CONCURRENTLY blocks every write to the table until the index is built; use CREATE INDEX CONCURRENTLY in a non-transactional migration");
        }

        if (Starts("DROP", "INDEX") && !concurrently)
        {
            return (LockSeverity.Warning, "ACCESS EXCLUSIVE on the table", "DROP INDEX without CONCURRENTLY blocks reads and writes of the table while it waits and runs");
        }

        if (Starts("REFRESH", "MATERIALIZED", "VIEW") && !concurrently)
        {
            return (LockSeverity.Warning, "ACCESS EXCLUSIVE on the view", "REFRESH without CONCURRENTLY blocks reads of the view until it finishes");
        }

        if (Starts("VACUUM") && Has("FULL") || Starts("CLUSTER"))
        {
            return (LockSeverity.Warning, "ACCESS EXCLUSIVE, rewrites the table", "rewrites the whole table while blocking reads and writes");
        }

        if (Starts("LOCK"))
        {
            return (LockSeverity.Warning, "explicit lock", "takes the lock it names until the migration commits");
        }

        if (Starts("TRUNCATE") || Starts("DROP", "TABLE"))
        {
            return (LockSeverity.Warning, "ACCESS EXCLUSIVE, destroys data", "removes data; the pre-migration backup is the way back");
        }

        if (Starts("ALTER", "TABLE"))
        {
            if (Has("VALIDATE") && Has("CONSTRAINT"))
            {
                return (LockSeverity.Info, "SHARE UPDATE EXCLUSIVE, scans the table",
                    "checks every row, but reads and writes of the table go on meanwhile (the second half of NOT VALID, then VALIDATE)");
            }

            if (Has("TYPE") && Has("ALTER") && w.Count(x => x == "ALTER") >= 2)
            {
                return (LockSeverity.Warning, "ACCESS EXCLUSIVE, rewrites the table",
                    "changing a column's type rewrites the table (and its indexes) while blocking reads and writes, unless the types are binary-compatible");
            }

            if (Has("SET") && Has("NOT") && Has("NULL") && !Has("DEFAULT"))
            {
                return (LockSeverity.Warning, "ACCESS EXCLUSIVE, scans the table",
                    "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE; add a CHECK (col IS NOT NULL) NOT VALID constraint, VALIDATE it, then SET NOT NULL");
            }

            if (Has("ADD") && (Has("FOREIGN") || Has("CHECK")) && !(Has("NOT") && Has("VALID")))
            {
                return (LockSeverity.Warning, "scans the table under lock",
                    "adding a foreign key or check constraint checks every row while holding the lock; add it NOT VALID, then VALIDATE CONSTRAINT in a later migration");
            }

            if (Has("ADD") && (Has("PRIMARY") || Has("UNIQUE")) && !Has("USING"))
            {
                return (LockSeverity.Warning, "ACCESS EXCLUSIVE, builds an index",
                    "builds the index while blocking reads and writes; build it with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … USING INDEX");
            }

            if (Has("ADD") && Has("DEFAULT") && w.Any(x => x is "RANDOM" or "GEN_RANDOM_UUID" or "CLOCK_TIMESTAMP" or "UUID_GENERATE_V4" or "NEXTVAL"))
            {
                return (LockSeverity.Warning, "ACCESS EXCLUSIVE, rewrites the table",
                    "a column added with a volatile default is filled row by row, rewriting the table while blocking reads and writes");
            }

            return (LockSeverity.Info, "ACCESS EXCLUSIVE, briefly", "blocks reads and writes of the table for as long as it waits and runs (lock_timeout keeps the wait short)");
        }

        return null;
    }

    /// <summary>The opening tag ("$$" or "$name$") of a dollar-quoted string at <paramref name="at"/>, or null.</summary>
    private static string? DollarTag(string sql, int at)
    {
        var end = at + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        return end < sql.Length && sql[end] == '$' && (end == at + 1 || !char.IsAsciiDigit(sql[at + 1])) ? sql[at..(end + 1)] : null;
    }
}
