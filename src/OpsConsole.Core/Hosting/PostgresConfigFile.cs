using System.Globalization;
using System.Text;

namespace OpsConsole.Core.Hosting;

/// <summary>The console-owned settings, kept in an include file so postgresql.conf stays initdb's own.</summary>
internal static class PostgresConfigFile
{
    public const string FileName = "opsconsole.conf";
    public const string IncludeLine = "include_if_exists = 'opsconsole.conf'";

    /// <param name="extraSettings">Appended after the console's own; a later line wins in postgresql.conf.</param>
    /// <exception cref="ArgumentException">A setting name is not a plain (optionally dotted) identifier.</exception>
    public static string Render(int port, IReadOnlyDictionary<string, string>? extraSettings = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Written by the operations console on every start; edits are overwritten.");
        sb.AppendLine("listen_addresses = '127.0.0.1'");
        sb.AppendLine(CultureInfo.InvariantCulture, $"port = {port}");
        // TCP only: no dependency on /var/run/postgresql existing or being writable.
        sb.AppendLine("unix_socket_directories = ''");
        sb.AppendLine("max_connections = 200");
        foreach (var (name, value) in extraSettings ?? new Dictionary<string, string>())
        {
            // A name with a newline or '=' would inject other settings; values are quoted, so any text is safe there.
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            {
                throw new ArgumentException($"'{name}' is not a PostgreSQL setting name.", nameof(extraSettings));
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"{name} = '{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)}'");
        }

        return sb.ToString();
    }

    /// <summary>Returns the text to append to postgresql.conf, or null when the include is already present.</summary>
    public static string? IncludeToAppend(string postgresqlConf)
    {
        ArgumentNullException.ThrowIfNull(postgresqlConf);
        var present = postgresqlConf.Split('\n').Any(l => l.Trim() == IncludeLine);
        if (present)
        {
            return null;
        }

        var separator = postgresqlConf.Length == 0 || postgresqlConf.EndsWith('\n') ? string.Empty : "\n";
        return separator + "\n# Operations console settings (port, listen address).\n" + IncludeLine + "\n";
    }
}
