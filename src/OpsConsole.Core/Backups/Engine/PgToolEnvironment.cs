using System.Globalization;
using System.Text;
using Npgsql;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>
/// How pg_dump and pg_restore learn where to connect: libpq environment variables built from the managed database's
/// Npgsql connection string. The password goes in PGPASSWORD, never on the command line (which any user sees in ps),
/// and every PG* variable the console itself was started with is removed so it cannot redirect the tools.
/// </summary>
internal static class PgToolEnvironment
{
    public static void Apply(IDictionary<string, string?> environment, NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(connection);
        ClearInherited(environment);

        if (!string.IsNullOrEmpty(connection.Host))
        {
            var (hosts, ports) = SplitHosts(connection.Host, connection.Port);
            environment["PGHOST"] = hosts;
            environment["PGPORT"] = ports;
        }
        else
        {
            environment["PGPORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
        }

        environment["PGUSER"] = connection.Username ?? Environment.GetEnvironmentVariable("PGUSER") ?? Environment.UserName;
        if (!string.IsNullOrEmpty(connection.Password))
        {
            environment["PGPASSWORD"] = connection.Password;
        }

        if (!string.IsNullOrEmpty(connection.Passfile))
        {
            environment["PGPASSFILE"] = connection.Passfile;
        }

        if (!string.IsNullOrEmpty(connection.RootCertificate))
        {
            environment["PGSSLROOTCERT"] = connection.RootCertificate;
        }

        environment["PGSSLMODE"] = connection.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
        environment["PGCONNECT_TIMEOUT"] = connection.Timeout.ToString(CultureInfo.InvariantCulture);
        environment["PGAPPNAME"] = "opsconsole-backup";
    }

    /// <summary>Removes every libpq variable (PGHOST, PGSERVICE, PGOPTIONS, PGDATA …) the console's environment holds.</summary>
    public static void ClearInherited(IDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        foreach (var name in environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
        {
            environment.Remove(name);
        }
    }

    /// <summary>
    /// The value of <c>-d</c>: a conninfo string holding only the database name, quoted, so a name containing '=' or
    /// a URI prefix is never read as a connection string of its own.
    /// </summary>
    public static string DatabaseArgument(string database)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        var quoted = new StringBuilder("dbname='");
        foreach (var c in database)
        {
            if (c is '\'' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('\'').ToString();
    }

    /// <summary>Npgsql's "a:5433,b" host list becomes libpq's parallel PGHOST and PGPORT lists.</summary>
    internal static (string Hosts, string Ports) SplitHosts(string host, int defaultPort)
    {
        var hosts = new List<string>();
        var ports = new List<string>();
        foreach (var entry in host.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // One colon is host:port; more is an IPv6 literal (possibly bracketed with a port after "]:").
            var bracketEnd = entry.LastIndexOf("]:", StringComparison.Ordinal);
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (bracketEnd > 0 && int.TryParse(entry[(bracketEnd + 2)..], NumberStyles.None, CultureInfo.InvariantCulture, out var v6Port))
            {
                hosts.Add(entry[1..bracketEnd]);
                ports.Add(v6Port.ToString(CultureInfo.InvariantCulture));
            }
            else if (colon > 0 && colon == entry.LastIndexOf(':')
                && int.TryParse(entry[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                hosts.Add(entry[..colon]);
                ports.Add(port.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                hosts.Add(entry.Trim('[', ']'));
                ports.Add(defaultPort.ToString(CultureInfo.InvariantCulture));
            }
        }

        return (string.Join(',', hosts), string.Join(',', ports));
    }
}
