using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Engine;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Schema migrations (issue 18). (1) The console's apply against <c>psql -1 -f</c> of the same file on the same seeded
/// ~--size-mb SampleShop database (goal: within 5 %): a migration that builds an index on shop.order_lines, rounds
/// alternating which goes first, the index dropped between runs. The console side is what the apply operation runs
/// after its pre-migration backup (timed by the backup harness): <see cref="MigrationRunner.RunAsync"/> with its lock,
/// timeouts, per-statement log, lock read and history row. (2) The status of a database with --files migration files
/// (goal: under 200 ms for 1,000): read the folder with checksums, read the history table, compute states, the plan and
/// each file's statements and lock flags, as <see cref="MigrationService.GetAsync"/> does.
/// Options: --size-mb N (default 512), --rounds N (default 5), --files N (default 1000), --data DIR.
/// </summary>
public sealed class MigrationHarness : IHarness
{
    private const string IndexSql = "CREATE INDEX bench_lines_product_qty_idx ON shop.order_lines (product_id, quantity, unit_price);\n";

    public string Name => "migrations";

    public string Description => "console apply vs psql -1 -f of the same migration, and the status of 1,000 files: --size-mb 512 --rounds 5 --files 1000 [--data DIR]";

    public async Task<int> RunAsync(string[] args)
    {
        var sizeMb = HarnessArgs.Int(args, "--size-mb", 512);
        var rounds = HarnessArgs.Int(args, "--rounds", 5);
        var files = HarnessArgs.Int(args, "--files", 1000);
        var dataDirectory = args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault();
        Console.WriteLine(BackupHarness.Machine());

        await using var cluster = await BenchDatabase.StartAsync(dataDirectory);
        var shop = new NpgsqlConnectionStringBuilder(cluster.Connections.Owner) { Database = BackupHarness.ShopDatabase, Pooling = false, CommandTimeout = 0 };
        await BackupHarness.EnsureSeededAsync(cluster.Connections.Owner, shop.ConnectionString, sizeMb);
        Console.WriteLine(await BackupHarness.DescribeAsync(shop.ConnectionString));
        var psql = Path.Combine(PgClientTools.Locate().Directory, "psql");
        var folder = Directory.CreateTempSubdirectory("bench-migrations-");
        try
        {
            var ok = await ApplyAsync(shop, psql, folder.FullName, rounds);
            await StatusAsync(shop, folder.FullName, files);
            Console.WriteLine($"load average at the end: {BackupHarness.LoadAverage()}");
            return ok ? 0 : 1;
        }
        finally
        {
            folder.Delete(recursive: true);
            await ResetAsync(shop);
        }
    }

    private static async Task<bool> ApplyAsync(NpgsqlConnectionStringBuilder shop, string psql, string folder, int rounds)
    {
        var path = Path.Combine(folder, "V900__bench_lines_index.sql");
        await File.WriteAllTextAsync(path, IndexSql);
        var file = MigrationFiles.Read(folder).Migrations.Single();
        await ResetAsync(shop);
        // Untimed: both sides once, so neither pays for a cold cache in its first round.
        await ConsoleApplyAsync(shop, file);
        await ResetAsync(shop);
        await PsqlAsync(psql, shop, path);
        await ResetAsync(shop);

        var consoleTimes = new List<double>();
        var handTimes = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var consoleFirst = round % 2 == 1;
            double consoleSeconds = 0, handSeconds = 0;
            foreach (var consoleTurn in consoleFirst ? new[] { true, false } : [false, true])
            {
                await BackupHarness.ExecuteAsync(shop.ConnectionString, "CHECKPOINT");
                if (consoleTurn)
                {
                    consoleSeconds = await ConsoleApplyAsync(shop, file);
                }
                else
                {
                    handSeconds = await PsqlAsync(psql, shop, path);
                }

                await ResetAsync(shop);
            }

            consoleTimes.Add(consoleSeconds);
            handTimes.Add(handSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round} ({(consoleFirst ? "console first" : "psql first")}): console {consoleSeconds,7:0.000} s, psql -1 -f {handSeconds,7:0.000} s, ratio {consoleSeconds / handSeconds:0.000}"));
        }

        var ratio = BackupHarness.Median(consoleTimes) / BackupHarness.Median(handTimes);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"apply (runner: lock, timeouts, statement log, lock read, history row vs psql -1 -f): median console {BackupHarness.Median(consoleTimes):0.000} s, psql {BackupHarness.Median(handTimes):0.000} s, ratio {ratio:0.000} (goal <= 1.05{(ratio <= 1.05 ? ", met" : ", NOT met")})"));
        return true;
    }

    private static async Task<double> ConsoleApplyAsync(NpgsqlConnectionStringBuilder shop, MigrationFile file)
    {
        var watch = Stopwatch.StartNew();
        var outcomes = await MigrationRunner.RunAsync(shop, [file],
            new MigrationRunSettings(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(30), "bench", null, "opsconsole bench"), new BackupHarness.BenchOperationContext());
        var seconds = watch.Elapsed.TotalSeconds;
        return outcomes is [{ Succeeded: true }] ? seconds : throw new InvalidOperationException($"the console's apply failed: {outcomes[0].Error}");
    }

    /// <summary>What an operator types: <c>psql -1 -f FILE</c> with ON_ERROR_STOP (same server, same role).</summary>
    private static async Task<double> PsqlAsync(string psql, NpgsqlConnectionStringBuilder shop, string path)
    {
        var watch = Stopwatch.StartNew();
        var start = new ProcessStartInfo(psql) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", path, "-d", shop.Database! })
        {
            start.ArgumentList.Add(argument);
        }

        PgToolEnvironment.Apply(start.Environment, shop);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        _ = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"psql failed ({process.ExitCode}): {await error}");
    }

    private static async Task ResetAsync(NpgsqlConnectionStringBuilder shop)
    {
        await BackupHarness.ExecuteAsync(shop.ConnectionString, "DROP INDEX IF EXISTS shop.bench_lines_product_qty_idx");
        await BackupHarness.ExecuteAsync(shop.ConnectionString, $"DROP TABLE IF EXISTS {MigrationHistory.Table}");
    }

    private static async Task StatusAsync(NpgsqlConnectionStringBuilder shop, string folder, int count)
    {
        foreach (var old in Directory.EnumerateFiles(folder))
        {
            File.Delete(old);
        }

        // A realistic folder: statements of a few lines, one in ten with a flagged lock; all but the last ten applied.
        for (var i = 1; i <= count; i++)
        {
            var sql = i % 10 == 0
                ? $"-- migration {i}\nCREATE INDEX t{i}_idx ON shop.t{i} (a, b);\nALTER TABLE shop.t{i} ALTER COLUMN c SET NOT NULL;\n"
                : $"-- migration {i}\nCREATE TABLE shop.t{i} (\n    a int PRIMARY KEY,\n    b text NOT NULL DEFAULT 'x;y',\n    c timestamptz\n);\nCOMMENT ON TABLE shop.t{i} IS 'bench {i}';\n";
            await File.WriteAllTextAsync(Path.Combine(folder, $"V{i}__bench_table_{i}.sql"), sql);
        }

        var written = MigrationFiles.Read(folder);
        await using (var connection = new NpgsqlConnection(shop.ConnectionString))
        {
            await connection.OpenAsync();
            await MigrationHistory.EnsureAsync(connection, CancellationToken.None);
            foreach (var file in written.Migrations.Take(count - 10))
            {
                await MigrationHistory.InsertAsync(connection, file, "bench", TimeSpan.FromMilliseconds(12), true, null, CancellationToken.None);
            }
        }

        var times = new List<double>();
        var entries = 0;
        for (var run = 0; run < 11; run++)
        {
            var watch = Stopwatch.StartNew();
            var folderNow = MigrationFiles.Read(folder);
            await using var connection = new NpgsqlConnection(shop.ConnectionString);
            await connection.OpenAsync();
            var history = await MigrationHistory.ReadAsync(connection, CancellationToken.None);
            var status = MigrationStatus.Compute(folderNow, MigrationHistory.Effective(history));
            var plan = MigrationPlan.Make(folderNow, status, outOfOrder: false);
            var flags = 0;
            foreach (var entry in status.Where(e => e.File is not null))
            {
                var transactional = !MigrationSql.IsNonTransactional(entry.File!.Sql);
                flags += MigrationSql.Split(entry.File.Sql).Count + MigrationSql.Flag(entry.File.Sql, transactional).Count;
            }

            var ms = watch.Elapsed.TotalMilliseconds;
            entries = status.Count + plan.Steps.Count + flags;
            if (run > 0)
            {
                times.Add(ms); // the first read warms the JIT and the page cache
            }
        }

        var median = BackupHarness.Median(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"status of {count} files ({count - 10} applied, 10 pending; {entries} entries, steps and statements computed): median {median:0.0} ms, max {times.Max():0.0} ms over {times.Count} runs (goal < 200 ms{(median < 200 ? ", met" : ", NOT met")})"));
    }
}
