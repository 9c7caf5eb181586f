using Npgsql;
using OpsConsole.Core.Data;

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
        var password = await ConsoleRuntimeRole.ReadOrCreatePasswordAsync(Path.Combine(dataDirectory, PasswordFileName), cancellationToken);
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await ConsoleRuntimeRole.EnsureRoleAsync(admin, Name, password, cancellationToken);
        await using (var connection = NamedDataSources.CreateConnection(admin, "sampleshop-admin"))
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
