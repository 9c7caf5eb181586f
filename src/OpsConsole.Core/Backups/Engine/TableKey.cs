using System.Text;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// The key of a table in a backup manifest: "schema.table", with a part double-quoted (as PostgreSQL would) when it is
/// not a plain lower-case name, so <c>"My Schema"."odd.name"</c> still splits back into its two parts.
/// </summary>
public static class TableKey
{
    public static string Format(string schema, string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(schema);
        ArgumentException.ThrowIfNullOrEmpty(table);
        return QuoteIfNeeded(schema) + "." + QuoteIfNeeded(table);
    }

    /// <exception cref="FormatException">The key is not two (possibly quoted) names joined by a dot.</exception>
    public static (string Schema, string Table) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var position = 0;
        var schema = ReadName(key, ref position);
        if (position >= key.Length || key[position] != '.')
        {
            throw new FormatException($"'{key}' is not a table key (schema.table).");
        }

        position++;
        var table = ReadName(key, ref position);
        if (position != key.Length)
        {
            throw new FormatException($"'{key}' is not a table key (schema.table).");
        }

        return (schema, table);
    }

    /// <summary>The table as an SQL name, every part quoted (safe for any name, reserved words included).</summary>
    internal static string Sql(string schema, string table) => QuoteIdentifier(schema) + "." + QuoteIdentifier(table);

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string QuoteIfNeeded(string name) => IsPlain(name) ? name : QuoteIdentifier(name);

    private static bool IsPlain(string name) =>
        name.Length > 0
        && (char.IsAsciiLetterLower(name[0]) || name[0] == '_')
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '$');

    private static string ReadName(string key, ref int position)
    {
        if (position < key.Length && key[position] == '"')
        {
            var name = new StringBuilder();
            position++;
            while (position < key.Length)
            {
                if (key[position] == '"')
                {
                    if (position + 1 < key.Length && key[position + 1] == '"')
                    {
                        name.Append('"');
                        position += 2;
                        continue;
                    }

                    position++;
                    return name.Length > 0 ? name.ToString() : throw new FormatException($"'{key}' has an empty name.");
                }

                name.Append(key[position++]);
            }

            throw new FormatException($"'{key}' has an unterminated quoted name.");
        }

        var start = position;
        while (position < key.Length && key[position] != '.')
        {
            position++;
        }

        var plain = key[start..position];
        return IsPlain(plain) ? plain : throw new FormatException($"'{key}' has a name that must be quoted: '{plain}'.");
    }
}
