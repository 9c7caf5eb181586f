using System.Security.Cryptography;
using Npgsql;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;

namespace OpsConsole.Core.Demo;

/// <summary>
/// In the embedded cluster, SampleShop gets a login role and a database of its own (both "sampleshop"), so it never
/// touches the console's tables; the role's password is kept in the data directory like the console's own.
/// </summary>
public static class SampleShopDatabase
{
    public const string Name = "sampleshop";
    public const string PasswordFileName = "sampleshop-role-password";

    /// <summary>Creates what is missing (role, database) and returns SampleShop's connection string.</summary>
    public static async Task<string> EnsureAsync(string adminConnectionString, string dataDirectory, CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(dataDirectory, PasswordFileName);
        var password = File.Exists(passwordFile) ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim() : "";
        if (password.Length == 0)
        {
            password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            UnixEnvironment.WriteSecretFile(passwordFile, password + "\n");
        }

        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await ConsoleRuntimeRole.EnsureRoleAsync(admin, Name, password, cancellationToken);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", Name);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                try
                {
                    // Owned by the shop's role: it creates its own schema and tables, and nothing else of the cluster is its to change.
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{Name}\" OWNER \"{Name}\"", connection);
                    await create.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
                {
                    // Created concurrently; it is there, which is all that matters.
                }
            }
        }

        return new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = Name, Username = Name, Password = password }.ConnectionString;
    }
}
