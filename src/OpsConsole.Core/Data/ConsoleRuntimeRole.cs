using System.Security.Cryptography;
using Npgsql;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Data;

/// <summary>The two connection strings: the runtime role the console works as, and the owner that migrates.</summary>
public sealed record ConsoleConnectionStrings(string Runtime, string Owner)
{
    public string RuntimeUser => new NpgsqlConnectionStringBuilder(Runtime).Username ?? "";

    public string OwnerUser => new NpgsqlConnectionStringBuilder(Owner).Username ?? "";

    /// <summary>True when the console runs as a role that does not own its tables (the audit log's protection).</summary>
    public bool Separated => !string.Equals(RuntimeUser, OwnerUser, StringComparison.Ordinal);
}

/// <summary>
/// The console works as a role that may read and write its tables but cannot UPDATE, DELETE or TRUNCATE the audit
/// tables, nor disable their triggers (only an owner can). Migrations run as the owner, which then grants this.
/// </summary>
public static class ConsoleRuntimeRole
{
    public const string EmbeddedRoleName = "opsconsole_app";
    public const string PasswordFileName = "app-role-password";

    /// <summary>Tables whose rows are never changed once written; the runtime role may only INSERT and SELECT.</summary>
    public static IReadOnlyList<string> AppendOnlyTables { get; } = ["audit_log", "audit_checkpoints", "audit_signing_keys"];

    /// <summary>Embedded cluster: creates the runtime role (or resets its password) and returns its connection string.</summary>
    public static async Task<string> EnsureEmbeddedAsync(string ownerConnectionString, string dataDirectory, CancellationToken cancellationToken)
    {
        var password = await ReadOrCreatePasswordAsync(Path.Combine(dataDirectory, PasswordFileName), cancellationToken);
        await EnsureRoleAsync(ownerConnectionString, EmbeddedRoleName, password, cancellationToken);
        return new NpgsqlConnectionStringBuilder(ownerConnectionString) { Username = EmbeddedRoleName, Password = password }.ConnectionString;
    }

    /// <summary>The password kept in a secret file (0600) of the data directory; a new random one when there is none yet.</summary>
    public static async Task<string> ReadOrCreatePasswordAsync(string passwordFile, CancellationToken cancellationToken)
    {
        var password = File.Exists(passwordFile) ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim() : "";
        if (password.Length == 0)
        {
            password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            UnixEnvironment.WriteSecretFile(passwordFile, password + "\n");
        }

        return password;
    }

    public static async Task EnsureRoleAsync(string ownerConnectionString, string role, string password, CancellationToken cancellationToken)
    {
        await using var connection = NamedDataSources.CreateConnection(ownerConnectionString, NamedDataSources.Owner);
        await connection.OpenAsync(cancellationToken);
        var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @role", connection);
        await using (exists)
        {
            exists.Parameters.AddWithValue("role", role);
            var verb = await exists.ExecuteScalarAsync(cancellationToken) is null ? "CREATE" : "ALTER";
            // DDL takes no parameters; the password is hex and the role name a constant, both quoted anyway.
            await using var ddl = new NpgsqlCommand(
                $"{verb} ROLE {Quote(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'",
                connection);
            await ddl.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Run by the owner after every migration: DML on all console tables, INSERT/SELECT only on append-only ones.</summary>
    public static async Task GrantAsync(NpgsqlConnection ownerConnection, string role, CancellationToken cancellationToken)
    {
        var quoted = Quote(role);
        var schema = Quote(ConsoleDbContext.Schema);
        var statements = new List<string>
        {
            $"GRANT USAGE ON SCHEMA {schema} TO {quoted}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {quoted}",
            $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {quoted}",
        };
        statements.AddRange(AppendOnlyTables.Select(t => $"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{Quote(t)} FROM {quoted}"));
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, ownerConnection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
