using System.Text;
using Npgsql;

namespace OpsConsole.IntegrationTests.Restores.Infrastructure;

/// <summary>
/// A small shop database with deterministic content, and the two fingerprints fault tests compare before and after:
/// exact row counts per table and a checksum over every row.
/// </summary>
public static class SampleData
{
    /// <summary>
    /// Creates database <paramref name="name"/> on the cluster of <paramref name="connectionString"/> (a superuser) with
    /// <c>sales.customers</c> (rows / 10), <c>sales.orders</c> (<paramref name="rows"/>, FK to customers, an index),
    /// <c>sales.order_lines</c> (3 per order, FK to orders), <c>public.settings</c> (3 rows) and the sequence
    /// <c>sales.invoice_number_seq</c>. Same arguments, same data. pg_database_size is about 7.5 MB plus 0.63 MB per 1,000 rows (30,000 rows: 26 MB).
    /// Returns the new database's connection string.
    /// </summary>
    public static async Task<string> CreateSeededDatabaseAsync(string connectionString, string name, int rows, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        await using (var admin = await OpenAsync(connectionString, ct))
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {Quote(name)}", ct);
        }

        var target = new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
        await using var connection = await OpenAsync(target, ct);
        await using var seed = new NpgsqlCommand(
            """
            CREATE SCHEMA sales;
            CREATE TABLE sales.customers (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                email text NOT NULL UNIQUE,
                created_at timestamptz NOT NULL);
            CREATE TABLE sales.orders (
                id bigint PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES sales.customers (id),
                placed_at timestamptz NOT NULL,
                status text NOT NULL,
                invoice_number bigint UNIQUE);
            CREATE INDEX orders_customer_id_idx ON sales.orders (customer_id);
            CREATE TABLE sales.order_lines (
                order_id bigint NOT NULL REFERENCES sales.orders (id),
                line_no int NOT NULL,
                sku text NOT NULL,
                quantity int NOT NULL,
                unit_price numeric(10, 2) NOT NULL,
                note text NOT NULL,
                PRIMARY KEY (order_id, line_no));
            CREATE SEQUENCE sales.invoice_number_seq START 100001;
            CREATE TABLE public.settings (key text PRIMARY KEY, value text NOT NULL);

            INSERT INTO sales.customers
            SELECT c, 'Customer ' || c, 'customer' || c || '@example.test', timestamptz '2024-01-01 00:00:00+00' + c * interval '1 hour'
            FROM generate_series(1, @customers) AS c;
            INSERT INTO sales.orders
            SELECT o, 1 + o % @customers, timestamptz '2024-02-01 00:00:00+00' + o * interval '1 minute',
                   (ARRAY['new', 'paid', 'shipped', 'delivered'])[1 + o % 4], 100000 + o
            FROM generate_series(1, @orders) AS o;
            INSERT INTO sales.order_lines
            SELECT o, l, 'SKU-' || lpad(((o * 7 + l * 13) % 5000)::text, 5, '0'), 1 + (o + l) % 5, ((o * 31 + l * 17) % 10000) / 100.0,
                   'line ' || l || ' of order ' || o || ': ' || md5(o || '/' || l)
            FROM generate_series(1, @orders) AS o, generate_series(1, 3) AS l;
            SELECT setval('sales.invoice_number_seq', 100000 + @orders);
            INSERT INTO public.settings VALUES ('currency', 'EUR'), ('shop_name', 'Sample'), ('tax_rate', '0.19');
            ANALYZE;
            """,
            connection);
        seed.Parameters.AddWithValue("customers", Math.Max(1, rows / 10));
        seed.Parameters.AddWithValue("orders", rows);
        seed.CommandTimeout = 300;
        await seed.ExecuteNonQueryAsync(ct);
        return target;
    }

    /// <summary>Exact row count of every user table, keyed "schema.table".</summary>
    public static async Task<IReadOnlyDictionary<string, long>> RowCountsAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in await UserTablesAsync(connection, ct))
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table.Sql}", connection);
            counts[table.Key] = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        return counts;
    }

    /// <summary>
    /// One line per user table, "schema.table=md5" of all its rows as text in primary key order (whole-row order without
    /// one), so equal strings mean the same data. Sequences are left out: crash recovery legitimately moves them ahead.
    /// </summary>
    public static async Task<string> ChecksumAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        // Row text depends on these session settings; fix them so the checksum does not depend on server defaults.
        // A big work_mem keeps the sorts in memory: on a full disk a sort spilling to a temp file would fail with 53100.
        await ExecuteAsync(
            connection,
            "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 1; SET bytea_output = 'hex'; SET work_mem = '256MB'",
            ct);
        var result = new StringBuilder();
        foreach (var table in await UserTablesAsync(connection, ct))
        {
            var order = table.PrimaryKey ?? "t::text";
            await using var md5 = new NpgsqlCommand(
                $"SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY {order})), 'empty') FROM {table.Sql} AS t", connection);
            md5.CommandTimeout = 300;
            result.Append(table.Key).Append('=').Append((string)(await md5.ExecuteScalarAsync(ct))!).Append('\n');
        }

        return result.ToString();
    }

    /// <summary>pg_database_size of the connection string's database, to size a tmpfs.</summary>
    public static async Task<long> DatabaseSizeAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(connectionString, ct);
        await using var size = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)(await size.ExecuteScalarAsync(ct))!;
    }

    private sealed record UserTable(string Key, string Sql, string? PrimaryKey);

    private static async Task<List<UserTable>> UserTablesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var list = new NpgsqlCommand(
            """
            SELECT n.nspname || '.' || c.relname,
                   format('%I.%I', n.nspname, c.relname),
                   (SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY k.ord)
                      FROM pg_index i
                      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                     WHERE i.indrelid = c.oid AND i.indisprimary)
              FROM pg_class c
              JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r'
               AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
             ORDER BY 1
            """,
            connection);
        var tables = new List<UserTable>();
        await using var reader = await list.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tables.Add(new UserTable(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return tables;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
