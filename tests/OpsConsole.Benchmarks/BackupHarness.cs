using System.Diagnostics;
using System.Globalization;
using Npgsql;
using OpsConsole.Core.Backups.Engine;
using OpsConsole.Core.Operations;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The console's backup against pg_dump by hand (issue 16, goal: within 5 %), on a SampleShop-shaped database seeded
/// server-side to about --size-mb of pg_database_size. Each round runs both, alternating which goes first (A B, B A, …)
/// so neither always gets the warmer cache: (a) <see cref="PgDump.RunAsync"/> (snapshot, manifest counts, hashing while
/// copying, fsync, rename) and (b) <c>pg_dump -Fc -f FILE</c> with the same binary and connection. Then the verification
/// step: <see cref="BackupVerifier.VerifyAsync"/> against <c>pg_restore --list FILE &gt; /dev/null</c> followed by
/// <c>sha256sum FILE</c>, as an operator would type them, both on the console's file. Prints each round, the medians
/// and console / hand. Options: --size-mb N (default 1024), --rounds N (default 3), --data DIR (keep the cluster; a later
/// run with the same --size-mb reuses the seeded database).
/// </summary>
public sealed class BackupHarness : IHarness
{
    internal const string ShopDatabase = "benchshop";
    private const string WarmUpDatabase = "benchwarm";

    /// <summary>Bump when <see cref="ShopSeed"/> changes, so a kept cluster seeded the old way is seeded again.</summary>
    private const int SeedVersion = 2;

    public string Name => "backup";

    public string Description => "console backup and verification vs pg_dump -Fc / pg_restore --list + sha256sum by hand: --size-mb 1024 --rounds 3 [--data DIR]";

    public async Task<int> RunAsync(string[] args)
    {
        var sizeMb = HarnessArgs.Int(args, "--size-mb", 1024);
        var rounds = HarnessArgs.Int(args, "--rounds", 3);
        var dataDirectory = args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault();
        Console.WriteLine(Machine());

        await using var cluster = await BenchDatabase.StartAsync(dataDirectory);
        var shop = new NpgsqlConnectionStringBuilder(cluster.Connections.Owner) { Database = ShopDatabase, Pooling = false, CommandTimeout = 0 };
        await EnsureSeededAsync(cluster.Connections.Owner, shop.ConnectionString, sizeMb);
        Console.WriteLine(await DescribeAsync(shop.ConnectionString));

        var tools = PgClientTools.Locate();
        var pgDumpVersion = await tools.ReadPgDumpVersionAsync(CancellationToken.None);
        Console.WriteLine($"pg_dump {pgDumpVersion} ({tools.PgDump}), pg_restore in the same directory; dumps on the cluster's disk ({cluster.DataDirectory})");

        var dumps = Directory.CreateDirectory(Path.Combine(cluster.DataDirectory, "bench-dumps")).FullName;
        await WarmUpAsync(cluster.Connections.Owner, tools, dumps);
        var backup = (Console: new List<double>(), Hand: new List<double>());
        var verify = (Console: new List<double>(), Hand: new List<double>());
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                var consoleFirst = round % 2 == 1;
                var consoleFile = Path.Combine(dumps, $"console-r{round}{PgDump.FileExtension}");
                var handFile = Path.Combine(dumps, $"hand-r{round}{PgDump.FileExtension}");
                DumpResult? result = null;
                BenchOperationContext? stages = null;
                double consoleSeconds = 0, handSeconds = 0;
                // PostgreSQL's CPU (once the side's backends are reaped) and this process's: where the console's extra time goes.
                double consoleServerCpu = 0, handServerCpu = 0, consoleOwnCpu = 0;
                foreach (var consoleTurn in consoleFirst ? new[] { true, false } : [false, true])
                {
                    var serverProcesses = cluster.ServerProcessCount();
                    var serverCpu = cluster.ServerCpuSeconds();
                    if (consoleTurn)
                    {
                        stages = new BenchOperationContext();
                        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
                        var watch = Stopwatch.StartNew();
                        result = await PgDump.RunAsync(shop.ConnectionString, dumps, Path.GetFileNameWithoutExtension(consoleFile), stages, tools);
                        consoleSeconds = watch.Elapsed.TotalSeconds;
                        consoleOwnCpu = (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds;
                        await cluster.WaitForServerProcessesAsync(serverProcesses, TimeSpan.FromSeconds(5));
                        consoleServerCpu = cluster.ServerCpuSeconds() - serverCpu;
                    }
                    else
                    {
                        handSeconds = await DumpByHandAsync(tools, shop, handFile);
                        await cluster.WaitForServerProcessesAsync(serverProcesses, TimeSpan.FromSeconds(5));
                        handServerCpu = cluster.ServerCpuSeconds() - serverCpu;
                    }
                }

                backup.Console.Add(consoleSeconds);
                backup.Hand.Add(handSeconds);
                var handSize = new FileInfo(handFile).Length;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"backup round {round} ({(consoleFirst ? "console first" : "hand first")}): console {consoleSeconds,7:0.00} s ({Mb(result!.SizeBytes)}, {result.Manifest.Count} tables, {result.Manifest.Values.Sum():N0} rows counted), hand {handSeconds,7:0.00} s ({Mb(handSize)}), ratio {consoleSeconds / handSeconds:0.000}"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  console: {stages!.Stages()}; CPU: PostgreSQL {consoleServerCpu:0.00} s (hand {handServerCpu:0.00} s), console process {consoleOwnCpu:0.00} s"));

                double consoleVerify = 0, handVerify = 0;
                foreach (var consoleTurn in consoleFirst ? new[] { true, false } : [false, true])
                {
                    if (consoleTurn)
                    {
                        var watch = Stopwatch.StartNew();
                        await BackupVerifier.VerifyAsync(result.FullPath, result.Sha256Hex, result.Manifest, new BenchOperationContext(), tools);
                        consoleVerify = watch.Elapsed.TotalSeconds;
                    }
                    else
                    {
                        var (seconds, sha256) = await VerifyByHandAsync(tools, result.FullPath);
                        if (!string.Equals(sha256, result.Sha256Hex, StringComparison.Ordinal))
                        {
                            Console.Error.WriteLine($"sha256sum says {sha256}, the console recorded {result.Sha256Hex} for {result.FullPath}");
                            return 1;
                        }

                        handVerify = seconds;
                    }
                }

                verify.Console.Add(consoleVerify);
                verify.Hand.Add(handVerify);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"verify round {round}: console {consoleVerify,7:0.000} s, hand {handVerify,7:0.000} s, ratio {consoleVerify / handVerify:0.000}"));

                File.Delete(consoleFile);
                File.Delete(handFile);
            }
        }
        finally
        {
            Directory.Delete(dumps, recursive: true);
        }

        Console.WriteLine();
        Summarize("backup (PgDump.RunAsync vs pg_dump -Fc -f)", backup.Console, backup.Hand);
        Summarize("verify (BackupVerifier.VerifyAsync vs pg_restore --list > /dev/null; sha256sum)", verify.Console, verify.Hand);
        Console.WriteLine($"load average at the end: {LoadAverage()}");
        return 0;
    }

    /// <summary>
    /// One untimed run of both sides on a tiny database: a console is a long-running process, so its first round must
    /// not pay for compiling the backup and verification code (nor the hand side for a cold pg_wrapper).
    /// </summary>
    private static async Task WarmUpAsync(string adminConnectionString, PgClientTools tools, string dumps)
    {
        if (await ScalarAsync(adminConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{WarmUpDatabase}'") is not 1L)
        {
            await ExecuteAsync(adminConnectionString, $"CREATE DATABASE {WarmUpDatabase}");
        }

        var warm = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = WarmUpDatabase, Pooling = false };
        await ExecuteAsync(warm.ConnectionString, "CREATE TABLE IF NOT EXISTS warm AS SELECT i, md5(i::text) AS t FROM generate_series(1, 1000) AS i");
        var result = await PgDump.RunAsync(warm.ConnectionString, dumps, "warm-up", new BenchOperationContext(), tools);
        await BackupVerifier.VerifyAsync(result.FullPath, result.Sha256Hex, result.Manifest, new BenchOperationContext(), tools);
        var handFile = Path.Combine(dumps, "warm-up-hand" + PgDump.FileExtension);
        await DumpByHandAsync(tools, warm, handFile);
        await VerifyByHandAsync(tools, result.FullPath);
        File.Delete(result.FullPath);
        File.Delete(handFile);
    }

    private static void Summarize(string what, List<double> console, List<double> hand)
    {
        var ratio = Median(console) / Median(hand);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: median console {Median(console):0.000} s, hand {Median(hand):0.000} s, ratio {ratio:0.000} (goal <= 1.05{(ratio <= 1.05 ? ", met" : ", NOT met")})"));
    }

    /// <summary>What an operator runs: pg_dump writing the file itself (it fsyncs it before exiting, as the console does).</summary>
    private static async Task<double> DumpByHandAsync(PgClientTools tools, NpgsqlConnectionStringBuilder connection, string file)
    {
        var start = new ProcessStartInfo(tools.PgDump) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "-Fc", "-f", file, connection.Database! })
        {
            start.ArgumentList.Add(argument);
        }

        // The very connection settings the console hands its pg_dump (PGHOST, PGPORT, PGUSER, PGPASSWORD, ...).
        PgToolEnvironment.Apply(start.Environment, connection);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        return process.ExitCode == 0 ? seconds : throw new InvalidOperationException($"pg_dump by hand failed ({process.ExitCode}): {error}");
    }

    /// <summary>The two commands in a row, through a shell as typed: <c>pg_restore --list FILE &gt; /dev/null &amp;&amp; sha256sum FILE</c>.</summary>
    private static async Task<(double Seconds, string Sha256)> VerifyByHandAsync(PgClientTools tools, string file)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", "\"$0\" --list \"$1\" > /dev/null && sha256sum \"$1\"", tools.PgRestore, file })
        {
            start.ArgumentList.Add(argument);
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var seconds = watch.Elapsed.TotalSeconds;
        return process.ExitCode == 0
            ? (seconds, (await output).Split(' ', 2)[0].Trim())
            : throw new InvalidOperationException($"pg_restore --list / sha256sum failed ({process.ExitCode}): {await error}");
    }

    /// <summary>
    /// Creates and seeds the shop database unless a kept cluster already holds one seeded for this --size-mb (the
    /// schema's comment records the target once seeding finished).
    /// </summary>
    internal static async Task EnsureSeededAsync(string adminConnectionString, string shopConnectionString, int sizeMb)
    {
        var marker = $"bench seed v{SeedVersion} complete: --size-mb {sizeMb}";
        var exists = await ScalarAsync(adminConnectionString, $"SELECT count(*) FROM pg_database WHERE datname = '{ShopDatabase}'") is 1L;
        if (exists)
        {
            var comment = await ScalarAsync(shopConnectionString, "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = 'shop'") as string;
            if (comment == marker)
            {
                await ExecuteAsync(shopConnectionString, "ANALYZE");
                Console.WriteLine($"reused the seeded database {ShopDatabase} (--size-mb {sizeMb})");
                return;
            }

            Console.WriteLine($"{ShopDatabase} exists but was not seeded for --size-mb {sizeMb} by this version ({comment ?? "seeding never finished"}): dropping it");
            await ExecuteAsync(adminConnectionString, $"DROP DATABASE {ShopDatabase} WITH (FORCE)");
        }

        var watch = Stopwatch.StartNew();
        await ExecuteAsync(adminConnectionString, $"CREATE DATABASE {ShopDatabase}");
        await ExecuteAsync(shopConnectionString, ShopSeed.Schema);
        var target = sizeMb * 1024L * 1024L;
        var size = await DatabaseSizeAsync(shopConnectionString);
        var next = 1;
        var batch = 2_000;
        while (size < target * 0.98)
        {
            var before = size;
            var last = next + batch - 1;
            foreach (var statement in ShopSeed.Batch)
            {
                await ExecuteAsync(shopConnectionString, statement, ("lo", next), ("hi", last));
            }

            size = await DatabaseSizeAsync(shopConnectionString);
            next = last + 1;
            // Bytes per customer (with consents, orders, lines and indexes) from this batch sizes the next one.
            var perCustomer = Math.Max(1.0, (size - before) / (double)batch);
            batch = (int)Math.Clamp((target - size) / perCustomer, 500, 50_000);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  seeded {next - 1:N0} customers: {Mb(size)} of {sizeMb} MB, {watch.Elapsed.TotalSeconds:0} s"));
        }

        foreach (var statement in ShopSeed.Finish)
        {
            await ExecuteAsync(shopConnectionString, statement);
        }

        await ExecuteAsync(shopConnectionString, $"COMMENT ON SCHEMA shop IS '{marker}'");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seeded {ShopDatabase}: {next - 1:N0} customers, foreign keys, VACUUM (FREEZE, ANALYZE), CHECKPOINT in {watch.Elapsed.TotalSeconds:0} s"));
    }

    internal static async Task<string> DescribeAsync(string shopConnectionString)
    {
        await using var connection = new NpgsqlConnection(shopConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT pg_database_size(current_database()), current_setting('server_version'), current_setting('shared_buffers'),
                   (SELECT string_agg(c.relname || ' ' || to_char(c.reltuples, 'FM999,999,999,999') || ' rows ' || pg_size_pretty(pg_total_relation_size(c.oid)), ', ' ORDER BY c.relname)
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'shop' AND c.relkind = 'r')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"database {ShopDatabase}: {Mb(reader.GetInt64(0))} (pg_database_size) on PostgreSQL {reader.GetString(1)}, shared_buffers {reader.GetString(2)}; {reader.GetString(3)}";
    }

    internal static string Machine()
    {
        var load = LoadAverage();
        var line = $"machine: {Environment.ProcessorCount} cores, load average {load}";
        var oneMinute = double.TryParse(load.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : 0;
        return oneMinute > Math.Max(1.0, Environment.ProcessorCount / 2.0)
            ? line + $" -- WARNING: machine not quiet (1-minute load {oneMinute:0.0} on {Environment.ProcessorCount} cores); the ratios are noisy, rerun on an idle machine"
            : line;
    }

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    internal static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:0.0} MB");

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static Task<long> DatabaseSizeAsync(string connectionString) =>
        ScalarAsync(connectionString, "SELECT pg_database_size(current_database())").ContinueWith(t => (long)t.Result!, TaskScheduler.Default);

    internal static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql, params (string Name, int Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The operation context outside the runner: nothing to persist or publish (the runner's writes are per log line,
    /// a dozen for a backup), so it prints errors and keeps when each line came, for the stages of a round.
    /// </summary>
    internal sealed class BenchOperationContext : IOperationContext
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly Lock gate = new();
        private readonly List<(double Seconds, string Line)> lines = [];

        public Guid OperationId { get; } = Guid.NewGuid();

        public string Target => "database:" + ShopDatabase;

        public CancellationToken Cancellation => CancellationToken.None;

        public void Log(string line, OperationLogLevel level = OperationLogLevel.Info)
        {
            lock (gate)
            {
                lines.Add((clock.Elapsed.TotalSeconds, line));
            }

            if (level == OperationLogLevel.Error)
            {
                Console.Error.WriteLine($"  console backup: {line}");
            }
        }

        public void Progress(double? fraction, string step)
        {
        }

        /// <summary>Connect, version checks and snapshot; pg_dump with the counts beside it; flush, fsync and rename.</summary>
        public string Stages()
        {
            lock (gate)
            {
                double At(string prefix) => lines.FirstOrDefault(l => l.Line.StartsWith(prefix, StringComparison.Ordinal)).Seconds;
                var snapshot = At("snapshot ");
                var dumped = At("pg_dump finished");
                var written = At("dump written");
                return string.Create(CultureInfo.InvariantCulture,
                    $"setup to snapshot {snapshot:0.000} s, pg_dump {dumped - snapshot:0.00} s, fsync and rename {written - dumped:0.000} s");
            }
        }
    }
}
