using Npgsql;

namespace OpsConsole.IntegrationTests.Restores;

/// <summary>The restore tests' small shop: 500 customers, 1,000 orders; and the questions the tests ask of databases.</summary>
public static class RestoreTestData
{
    public static async Task SeedAsync(string connectionString, int customers = 500)
    {
        await ExecuteAsync(connectionString,
            $"""
            CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
            CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric(10, 2));
            INSERT INTO customers SELECT i, 'c' || i || '@example.test' FROM generate_series(1, {customers}) i;
            INSERT INTO orders SELECT i, 1 + i % {customers}, i * 1.5 FROM generate_series(1, 1000) i;
            """);
    }

    /// <summary>Ten more customers: what a restore to the earlier backup must undo.</summary>
    public static Task WriteAfterTheBackupAsync(string connectionString) =>
        ExecuteAsync(connectionString, "INSERT INTO customers SELECT i, 'late' || i || '@example.test' FROM generate_series(10001, 10010) i");

    public static async Task<long> CountAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>An md5 over every row of both tables in key order: equal checksums, equal data.</summary>
    public static async Task<string> ChecksumAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT md5((SELECT string_agg(c::text, '|' ORDER BY id) FROM customers c) || '#' || (SELECT string_agg(o::text, '|' ORDER BY id) FROM orders o))", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<bool> DatabaseExistsAsync(string connectionString, string name)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        return await command.ExecuteScalarAsync() is not null;
    }

    /// <summary>The console's scratch databases of <paramref name="database"/> (restore and drill copies; not the kept __before_ ones).</summary>
    public static async Task<IReadOnlyList<string>> ScratchDatabasesAsync(string connectionString, string database)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1 || '__restore_') OR starts_with(datname, $1 || '__drill_')", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Drops and creates <paramref name="name"/> again (empty): the same name, another database (another OID).</summary>
    public static async Task RecreateAsync(string maintenanceConnectionString, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(maintenanceConnectionString, $"DROP DATABASE \"{name}\" WITH (FORCE)");
        await ExecuteAsync(maintenanceConnectionString, $"CREATE DATABASE \"{name}\"");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
