using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OpsConsole.E2E.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.E2E;

/// <summary>
/// A console killed with SIGKILL in the middle of a restore: the next start fails the operation with "console restarted
/// during the operation", drops the half-restored copy, and the original database is as it was.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RestoreRecoveryTests(ITestOutputHelper output)
{
    private const string Restarted = "console restarted during the operation";

    [Fact]
    public async Task A_console_killed_mid_restore_fails_the_restore_at_restart_drops_the_copy_and_leaves_the_original_intact()
    {
        var dataDirectory = ConsoleProcess.NewDataDirectory();
        var tools = Directory.CreateTempSubdirectory("opsconsole-e2e-holding-pgrestore-").FullName;
        try
        {
            // The managed database "shop" lives next to the console's own, on its embedded server (there after a first start).
            string shop;
            await using (var first = await ConsoleProcess.StartAsync(dataDirectory, "restore-kill-init"))
            {
                var own = new NpgsqlConnectionStringBuilder(File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim()) { Pooling = false };
                await ExecuteAsync(new NpgsqlConnectionStringBuilder(own.ConnectionString) { Database = "postgres" }.ConnectionString, "CREATE DATABASE shop");
                shop = new NpgsqlConnectionStringBuilder(own.ConnectionString) { Database = "shop" }.ConnectionString;
                await ExecuteAsync(shop,
                    """
                    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL);
                    CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers (id), total numeric(10, 2));
                    INSERT INTO customers SELECT i, 'c' || i || '@example.test' FROM generate_series(1, 500) i;
                    INSERT INTO orders SELECT i, 1 + i % 500, i * 1.5 FROM generate_series(1, 1000) i;
                    """);
                Assert.Equal(0, await first.StopAsync());
            }

            var environment = new Dictionary<string, string>
            {
                ["ManagedDatabases__shop__ConnectionString"] = shop,
                ["ManagedDatabases__shop__Schedule"] = "0 0 1 1 *", // its catch-up takes the backup to restore at once
                ["Backups__PgBinDirectory"] = HoldingPgRestore(tools),
                ["Backups__SchedulerInterval"] = "00:00:01",
            };
            Guid operationId;
            string copy;
            Fingerprint before;
            await using (var doomed = await ConsoleProcess.StartAsync(dataDirectory, "restore-kill-doomed", environment))
            {
                using var api = await doomed.AdminApiAsync();
                await WaitForAsync(async () => (await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/databases/shop/backups", UriKind.Relative))).GetProperty("total").GetInt32() >= 1,
                    "the first backup of shop");
                // Written after the backup, so the original differs from anything restored from it.
                await ExecuteAsync(shop, "INSERT INTO customers SELECT i, 'late' || i || '@example.test' FROM generate_series(10001, 10010) i");
                before = await FingerprintAsync(shop);

                using var planned = await api.PostAsJsonAsync(new Uri("/api/v1/databases/shop/restores/plan", UriKind.Relative), new { });
                Assert.Equal(HttpStatusCode.Created, planned.StatusCode);
                var plan = await planned.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(0, plan.GetProperty("problems").GetArrayLength());
                using var requested = await api.PostAsJsonAsync(new Uri("/api/v1/databases/shop/restores", UriKind.Relative),
                    new { planId = plan.GetProperty("id").GetGuid(), confirmation = "shop" });
                Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
                operationId = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

                JsonElement restore = default;
                await WaitForAsync(async () =>
                {
                    restore = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/restores/{operationId}", UriKind.Relative));
                    return restore.GetProperty("phase").GetString() == "restoring" && File.Exists(Path.Combine(tools, "holding"));
                }, "the restore to be mid-way through pg_restore");
                copy = restore.GetProperty("restoredInto").GetString()!;
                Assert.StartsWith("shop__restore_", copy, StringComparison.Ordinal);
                Assert.True(await DatabaseExistsAsync(shop, copy));

                await doomed.KillAsync();
                Assert.Equal(137, doomed.ExitCode);
            }

            await using var restarted = await ConsoleProcess.StartAsync(dataDirectory, "restore-kill-restarted", environment);
            output.WriteLine($"restarted; log: {restarted.LogPath}");
            using var client = await restarted.AdminApiAsync();
            JsonElement operation = default;
            await WaitForAsync(async () =>
            {
                operation = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/operations/{operationId}", UriKind.Relative));
                return operation.GetProperty("operation").GetProperty("state").GetString() == "failed";
            }, "the interrupted restore to be failed");

            Assert.Equal(Restarted, operation.GetProperty("operation").GetProperty("error").GetString());
            Assert.Contains(operation.GetProperty("log").EnumerateArray(), l => l.GetProperty("text").GetString() == $"dropped {copy}");
            var after = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/restores/{operationId}", UriKind.Relative));
            Assert.Equal(("failed", "failed", Restarted), (after.GetProperty("phase").GetString(), after.GetProperty("state").GetString(), after.GetProperty("error").GetString()));
            Assert.Equal(JsonValueKind.Null, after.GetProperty("setAside").ValueKind);
            var active = await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/operations?active=true", UriKind.Relative));
            Assert.Equal(0, active.GetProperty("items").GetArrayLength());
            Assert.False(await DatabaseExistsAsync(shop, copy));
            Assert.DoesNotContain(await DatabasesAsync(shop), d => d.StartsWith("shop__", StringComparison.Ordinal));
            Assert.True(await ScalarAsync(shop, "SELECT datallowconn FROM pg_database WHERE datname = 'shop'") is true, "shop refuses connections");
            Assert.Equal(before, await FingerprintAsync(shop));
            Assert.Equal(510L, before.Customers);
            Assert.Equal(0, await restarted.StopAsync());
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
            Directory.Delete(tools, recursive: true);
        }
    }

    /// <summary>Row counts and an md5 over every row of both tables in key order.</summary>
    private sealed record Fingerprint(long Customers, long Orders, string Checksum);

    private static async Task<Fingerprint> FingerprintAsync(string shop) => new(
        (long)(await ScalarAsync(shop, "SELECT count(*) FROM customers"))!,
        (long)(await ScalarAsync(shop, "SELECT count(*) FROM orders"))!,
        (string)(await ScalarAsync(shop,
            "SELECT md5((SELECT string_agg(c::text, '|' ORDER BY id) FROM customers c) || '#' || (SELECT string_agg(o::text, '|' ORDER BY id) FROM orders o))"))!);

    /// <summary>
    /// A PgBinDirectory whose pg_restore, for a restore into a database, restores the schema only (the copy exists
    /// with its tables), then holds its output open for as long as the console that started it lives, so the restore is
    /// mid-way when the console is killed. --version and the verification's --list run the real one; pg_dump is real.
    /// </summary>
    private static string HoldingPgRestore(string directory)
    {
        var real = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_restore")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).First();
        var script = Path.Combine(directory, "pg_restore");
        File.WriteAllText(script,
            $"#!/bin/bash\ncase \" $* \" in *\" --dbname=\"*) ;; *) exec {real}/pg_restore \"$@\" ;; esac\n" +
            $"{real}/pg_restore --section=pre-data \"$@\" || exit $?\n" +
            $": > '{directory}/holding'\n" +
            "while kill -0 $PPID 2>/dev/null; do sleep 0.2; done\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(directory, "pg_dump"), Path.Combine(real, "pg_dump"));
        return directory;
    }

    private static async Task<bool> DatabaseExistsAsync(string shop, string name) =>
        (await DatabasesAsync(shop)).Contains(name);

    private static async Task<IReadOnlyList<string>> DatabasesAsync(string shop)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(shop) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited in vain for {what}.");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }
}
