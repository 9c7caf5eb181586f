using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Backups.Engine;

/// <summary>Databases with known contents for the engine tests, a private backup directory, and the pg_dump a test started.</summary>
internal static class EngineTestData
{
    /// <summary>Plain tables, an empty one, a partitioned one and a quoted schema and name, with their expected manifest.</summary>
    public static readonly IReadOnlyDictionary<string, long> ShopManifest = new Dictionary<string, long>
    {
        ["public.customers"] = 50,
        ["public.orders"] = 1000,
        ["public.empty_table"] = 0,
        ["public.measurements_2025"] = 365,
        ["public.measurements_2026"] = 10,
        ["\"Odd Schema\".\"odd.Table\""] = 3,
    };

    public static async Task<string> CreateShopAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync();
        await ExecuteAsync(connectionString, """
            CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
            INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2));
            INSERT INTO orders (customer_id, total) SELECT 1 + g % 50, g / 7.0 FROM generate_series(1, 1000) g;
            CREATE TABLE empty_table (id int);
            CREATE TABLE measurements (at date NOT NULL, value double precision) PARTITION BY RANGE (at);
            CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            INSERT INTO measurements SELECT d, random() FROM generate_series('2025-01-01'::date, '2026-01-10', '1 day') d;
            CREATE SCHEMA "Odd Schema";
            CREATE TABLE "Odd Schema"."odd.Table" (v text);
            INSERT INTO "Odd Schema"."odd.Table" VALUES ('a'), ('b'), ('c');
            """);
        return connectionString;
    }

    /// <summary>A database with one table big enough (about 25 MB) that pg_dump is still copying it well after it announces it.</summary>
    public static async Task<string> CreateBigAsync(PostgresFixture postgres)
    {
        var connectionString = await postgres.CreateEmptyDatabaseAsync();
        await ExecuteAsync(connectionString, "CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS v FROM generate_series(1, 300000) g");
        return connectionString;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 120 };
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The names of all databases on the server whose name starts with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<string>> DatabasesStartingWithAsync(PostgresFixture postgres, string prefix)
    {
        await using var connection = new NpgsqlConnection(postgres.WithDatabase("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = prefix });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public static string DatabaseOf(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    public static DirectoryInfo NewBackupDirectory() => Directory.CreateTempSubdirectory("opsconsole-engine-");

    /// <summary>A loopback port nothing listens on (bound and released).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Kills the pg_dump this test process started (its parent is us), by pid, leaving any other helper's pg_dump
    /// alone; returns whether there was one.
    /// </summary>
    public static bool KillOwnPgDump()
    {
        var found = false;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // exited while listing
            }

            // "<pid> (<comm>) <state> <ppid> ...": the command name may hold spaces, so split after the last ')'.
            var close = stat.LastIndexOf(')');
            var comm = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            if (comm == "pg_dump" && int.Parse(fields[1], CultureInfo.InvariantCulture) == Environment.ProcessId)
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                found = true;
            }
        }

        return found;
    }

    public static IReadOnlyList<string> FilesIn(DirectoryInfo directory) =>
        directory.EnumerateFiles().Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
}
