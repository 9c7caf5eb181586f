using System.Net.Http.Json;
using System.Text.Json;
using OpsConsole.E2E.Infrastructure;
using Xunit.Abstractions;

namespace OpsConsole.E2E;

/// <summary>A console killed with SIGKILL in the middle of a backup: the next start fails the operation and removes its partial file.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BackupRecoveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_console_killed_mid_backup_fails_the_operation_at_restart_and_removes_the_partial_file()
    {
        var dataDirectory = ConsoleProcess.NewDataDirectory();
        var tools = Directory.CreateTempSubdirectory("opsconsole-e2e-hanging-pgdump-").FullName;
        try
        {
            // The console's own embedded database is the managed one: its connection string exists after a first start.
            await using (var first = await ConsoleProcess.StartAsync(dataDirectory, "backup-kill-init"))
            {
                Assert.Equal(0, await first.StopAsync());
            }

            var environment = new Dictionary<string, string>
            {
                ["ManagedDatabases__self__ConnectionString"] = File.ReadAllText(Path.Combine(dataDirectory, "connection-string")).Trim(),
                ["ManagedDatabases__self__Schedule"] = "0 0 1 1 *", // its catch-up starts a backup at once
                ["Backups__PgBinDirectory"] = HangingPgDump(tools),
                ["Backups__SchedulerInterval"] = "00:00:01",
            };
            string operationId;
            await using (var doomed = await ConsoleProcess.StartAsync(dataDirectory, "backup-kill-doomed", environment))
            {
                using var api = await doomed.AdminApiAsync();
                var running = await WaitForAsync(api, op => op.GetProperty("state").GetString() == "running", "the scheduled backup to run");
                operationId = running.GetProperty("id").GetString()!;
                var folder = Path.Combine(dataDirectory, "backups", "self");
                await WaitForAsync(() => Directory.Exists(folder) && Directory.GetFiles(folder, "*.partial").Length == 1, "the partial dump file");
                await doomed.KillAsync();
                Assert.Equal(137, doomed.ExitCode);
            }

            Assert.Single(Directory.GetFiles(Path.Combine(dataDirectory, "backups", "self"), "*.partial"));
            await using var restarted = await ConsoleProcess.StartAsync(dataDirectory, "backup-kill-restarted", environment);
            output.WriteLine($"restarted; log: {restarted.LogPath}");
            using var client = await restarted.AdminApiAsync();
            var failed = await WaitForAsync(client, op => op.GetProperty("id").GetString() == operationId && op.GetProperty("state").GetString() == "failed",
                "the interrupted backup to be failed");
            Assert.Equal("console restarted during the operation", failed.GetProperty("error").GetString());
            Assert.Empty(Directory.GetFiles(Path.Combine(dataDirectory, "backups", "self"), "*.partial"));
            using var detail = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/v1/operations/{operationId}", UriKind.Relative)));
            Assert.Contains(detail.RootElement.GetProperty("log").EnumerateArray(), l => l.GetProperty("text").GetString()!.StartsWith("deleted the partial file", StringComparison.Ordinal));
            using var backups = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/databases/self/backups", UriKind.Relative)));
            Assert.Equal(0, backups.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(0, await restarted.StopAsync());
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
            Directory.Delete(tools, recursive: true);
        }
    }

    /// <summary>
    /// A pg_dump that writes the start of a real dump, then holds its output open for as long as the console that
    /// started it lives (it polls its parent), so the backup is mid-way when the console is killed.
    /// </summary>
    private static string HangingPgDump(string directory)
    {
        var real = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_dump")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).First();
        var script = Path.Combine(directory, "pg_dump");
        File.WriteAllText(script,
            $"#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then exec {real}/pg_dump --version; fi\n{real}/pg_dump \"$@\" | head -c 4096\n" +
            "while kill -0 $PPID 2>/dev/null; do sleep 0.2; done\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(directory, "pg_restore"), Path.Combine(real, "pg_restore"));
        return directory;
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient api, Func<JsonElement, bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (!deadline.IsCancellationRequested)
        {
            var list = await api.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/operations?kind=backup", UriKind.Relative));
            foreach (var op in list.GetProperty("items").EnumerateArray())
            {
                if (condition(op))
                {
                    return op.Clone();
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Waited in vain for {what}.");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Waited in vain for {what}.");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }
}
