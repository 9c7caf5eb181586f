using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Audit.Search;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Audit search latency on a large log: seeds N records (default 10,000,000) with binary COPY, builds the migration's
/// indexes, ANALYZEs, then times a 50-row page through the real <see cref="AuditSearchService"/> (plan, SQL, reading)
/// as the runtime role, for each filter kind at the top of the log, in the middle and near the oldest record.
/// Hashes are random bytes: the search never reads them for filtering, so the chain need not verify here.
/// Options: --rows N, --iterations N (per cell, default 200), --page N (default 50), --only PREFIX (filter kinds), --explain,
/// --data DIR (keep the cluster in DIR: a later run with the same --rows reuses the seeded log and only migrates and
/// ANALYZEs).
/// </summary>
public sealed class SearchHarness : IHarness
{
    private static readonly string[] Actions = BuildActions();
    private static readonly string[] TargetTypes = ["user", "session", "backup", "alert", "database", "key", "request", "endpoint"];
    private static readonly string[] Reasons =
    [
        "timeout after 30 s", "wrong password", "disk full on node-{0}", "replica lag above threshold on node-{0}",
        "checksum mismatch in segment {0}", "manual trigger by operator", "maintenance window", "certificate expires in {0} days",
    ];

    public string Name => "search";

    public string Description => "audit search p50/p95/p99 per filter kind at shallow and deep cursors on a seeded log (default 10M records)";

    public async Task<int> RunAsync(string[] args)
    {
        var rows = Option(args, "--rows", 10_000_000);
        var iterations = Option(args, "--iterations", 200);
        var pageSize = Option(args, "--page", 50);

        var total = Stopwatch.StartNew();
        var dataDirectory = args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault();
        await using var database = await BenchDatabase.StartAsync(dataDirectory);
        Console.WriteLine($"PostgreSQL {database.Server.ConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("Port", StringComparison.Ordinal))}, migrated in {total.Elapsed.TotalSeconds:0.0} s");

        var seed = Stopwatch.StartNew();
        var present = await ScalarAsync(database.Connections.Owner, "SELECT coalesce(max(sequence), 0) FROM console.audit_log");
        if (present == rows)
        {
            // A kept cluster (--data) already holds this log; migrations just ran, so refresh the statistics only.
            await ExecuteAsync(database.Connections.Owner, "ANALYZE console.audit_log", TimeSpan.FromHours(1));
            Console.WriteLine($"reused {rows:N0} seeded records in {dataDirectory}; analyze {seed.Elapsed.TotalSeconds:0} s");
        }
        else if (present != 0)
        {
            Console.Error.WriteLine($"{dataDirectory} holds {present:N0} audit records, not --rows {rows:N0}: pass that --rows or another --data directory.");
            return 2;
        }
        else
        {
            var indexes = await DropSearchIndexesAsync(database.Connections.Owner);
            await SeedAsync(database.Connections.Owner, rows);
            var copied = seed.Elapsed;
            var indexTimes = await CreateIndexesAsync(database.Connections.Owner, indexes);
            await ExecuteAsync(database.Connections.Owner, "VACUUM (ANALYZE) console.audit_log", TimeSpan.FromHours(1));
            Console.WriteLine($"seeded {rows:N0} records: COPY {copied.TotalSeconds:0} s, indexes {indexTimes.Sum(t => t.Seconds):0} s ({string.Join(", ", indexTimes.Select(t => $"{t.Name} {t.Seconds:0} s"))}), vacuum+analyze; total {seed.Elapsed.TotalMinutes:0.0} min");
        }

        Console.WriteLine(await SizesAsync(database.Connections.Owner));

        using var services = BuildServices();
        using var data = new AuditReadDataSource(database.Connections);
        var admin = Principal(ConsoleRoles.Auditor);
        var sre = Principal(ConsoleRoles.Sre);

        var depths = new (string Name, long? Cursor)[] { ("top", null), ("middle", rows / 2), ("oldest 1%", Math.Max(2, rows / 100)) };
        var span = TimeSpan.FromDays(365);
        var start = Start(rows);
        var step = span / rows;
        var kinds = new List<(string Kind, ClaimsPrincipal Caller, Func<int, long?, AuditQuery> Query)>
        {
            ("no filter", admin, (_, _) => AuditQuery.None),
            // A one-day window that ends at the depth's cursor (or the newest record).
            ("time range (1 day)", admin, (_, cursor) =>
            {
                var end = start + (step * (cursor ?? rows));
                return new AuditQuery { From = end - TimeSpan.FromDays(1), To = end };
            }),
            ("actor exact", admin, (i, _) => new AuditQuery { Actor = $"user-{20 + (i % 10):000}" }),
            ("actor prefix (10 actors)", admin, (i, _) => new AuditQuery { Actor = $"user-{3 + (i % 5):00}", ActorMatch = ActorMatch.Prefix }),
            ("action prefix (6 actions)", admin, (_, _) => new AuditQuery { ActionPrefix = "backups" }),
            ("action exact (rare)", admin, (i, _) => new AuditQuery { ActionPrefix = Actions[30 + (i % 5)] }),
            ("target type", admin, (i, _) => new AuditQuery { TargetType = TargetTypes[i % TargetTypes.Length] }),
            ("target id", admin, (i, _) => new AuditQuery { TargetId = $"t-{(i * 37) % 5000}" }),
            ("outcome denied", admin, (_, _) => new AuditQuery { Outcome = AuditOutcome.Denied }),
            ("text (rare word)", admin, (i, _) => new AuditQuery { Text = $"node-{10 + (i % 90)}" }),
            ("text (common word)", admin, (_, _) => new AuditQuery { Text = "timeout" }),
            ("sre scope, no filter", sre, (_, _) => AuditQuery.None),
            ("action + outcome", admin, (_, _) => new AuditQuery { ActionPrefix = "backups", Outcome = AuditOutcome.Failed }),
        };

        Console.WriteLine();
        Console.WriteLine($"{"filter",-26} {"depth",-10} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"max ms",8} {"rows",6} {"runs",5}");
        var worst = 0.0;
        var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault(); // e.g. --only text: just those kinds
        foreach (var (kind, caller, query) in kinds.Where(k => only is null || k.Kind.StartsWith(only, StringComparison.Ordinal)))
        {
            foreach (var (depthName, cursor) in depths)
            {
                var (p50, p95, p99, max, found, runs) = await MeasureAsync(services, data, caller, query, cursor, pageSize, iterations);
                worst = Math.Max(worst, p99);
                Console.WriteLine($"{kind,-26} {depthName,-10} {p50,8:0.00} {p95,8:0.00} {p99,8:0.00} {max,8:0.00} {found,6} {runs,5}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"worst p99 {worst:0.00} ms (goal: < 20 ms); whole run {total.Elapsed.TotalMinutes:0.0} min");
        foreach (var (kind, caller, query) in kinds.Where(k => args.Contains("--explain") || k.Kind.StartsWith("text", StringComparison.Ordinal) || k.Kind == "action + outcome"))
        {
            Console.WriteLine();
            Console.WriteLine($"EXPLAIN {kind} (top):");
            Console.WriteLine(await ExplainAsync(data, query(0, null).Normalize(), AuditVisibility.ScopeOf(caller), pageSize));
        }
        return 0;
    }

    private static async Task<(double P50, double P95, double P99, double Max, int Rows, int Runs)> MeasureAsync(
        ServiceProvider services, AuditReadDataSource data, ClaimsPrincipal caller, Func<int, long?, AuditQuery> query, long? cursor, int pageSize, int iterations)
    {
        var search = new AuditSearchService(data, services.GetRequiredService<IAuthorizationService>(), new NoAudit(),
            new AuditReadAccessLog(TimeProvider.System));
        for (var i = 0; i < 10; i++)
        {
            await search.SearchAsync(caller, query(i, cursor), cursor, pageSize);
        }

        var times = new List<double>(iterations);
        var found = 0;
        var budget = Stopwatch.StartNew();
        for (var i = 0; i < iterations && budget.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            var q = query(i, cursor);
            var watch = Stopwatch.StartNew();
            var page = await search.SearchAsync(caller, q, cursor, pageSize);
            times.Add(watch.Elapsed.TotalMilliseconds);
            found = page.Items.Count;
        }

        times.Sort();
        double At(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
        return (At(0.50), At(0.95), At(0.99), times[^1], found, times.Count);
    }

    private static async Task<string> ExplainAsync(AuditReadDataSource data, AuditQuery query, AuditScope scope, int pageSize)
    {
        await using var connection = await data.Source.OpenConnectionAsync();
        var plan = await AuditSearchService.PlanAsync(connection, query, scope, CancellationToken.None);
        await using (var top = new NpgsqlCommand("SELECT max(sequence) + 1 FROM console.audit_log", connection))
        {
            var below = (long)(await top.ExecuteScalarAsync())!;
            // What the service runs: for text the bounded window first, then the next window sized from its matches.
            var pages = new List<(string Sql, IReadOnlyList<SqlParameter> Parameters)>();
            if (query.Text is null)
            {
                pages.Add(AuditSearchSql.Page(plan, null, null, pageSize + 1));
            }
            else
            {
                var low = below - AuditSearchSql.TextWindow;
                var first = AuditSearchSql.FirstTextWindow(plan, below, low, pageSize + 1);
                pages.Add(first);
                var found = await CountAsync(connection, first.Sql, first.Parameters);
                if (found <= pageSize)
                {
                    var next = new AuditTextWindows(AuditSearchSql.TextWindow, found).Next(pageSize + 1 - found);
                    pages.Add(AuditSearchSql.NextTextWindow(plan, low, Math.Max(1, low - next), pageSize + 1 - found, found));
                }
            }

            var text = new List<string>();
            foreach (var page in pages)
            {
                text.Add(await ExplainOneAsync(connection, page.Sql, page.Parameters));
            }

            return string.Join(Environment.NewLine + "  --" + Environment.NewLine, text);
        }
    }

    private static async Task<int> CountAsync(NpgsqlConnection connection, string sql, IReadOnlyList<SqlParameter> parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(p.Name, p.Type) { Value = p.Value });
        }

        var rows = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows++;
        }

        return rows;
    }

    private static async Task<string> ExplainOneAsync(NpgsqlConnection connection, string sql, IReadOnlyList<SqlParameter> parameters)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter(p.Name, p.Type) { Value = p.Value });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add("  " + reader.GetString(0));
        }

        return string.Join(Environment.NewLine, lines.Take(30));
    }

    private static DateTimeOffset Start(long rows) => new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static async Task SeedAsync(string ownerConnectionString, long rows)
    {
        var random = new Random(42);
        var actorIds = Enumerable.Range(0, 200).Select(i => new Guid(i, 0, 0, new byte[8]).ToString()).ToArray();
        var start = Start(rows);
        var step = TimeSpan.FromDays(365) / rows;
        var hash = new byte[32];
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        var watch = Stopwatch.StartNew();
        await using (var importer = await connection.BeginBinaryImportAsync(
                         $"COPY console.audit_log (sequence, previous_hash, hash, {AuditChainWriter.FieldColumns}) FROM STDIN (FORMAT BINARY)"))
        {
            for (long sequence = 1; sequence <= rows; sequence++)
            {
                var action = Actions[Zipf(random, Actions.Length)];
                var actor = Zipf(random, 200);
                var outcome = random.Next(100) switch { < 96 => AuditOutcome.Succeeded, < 99 => AuditOutcome.Denied, _ => AuditOutcome.Failed };
                var targetType = TargetTypes[random.Next(TargetTypes.Length)];
                var node = random.Next(100);
                string? reason = random.Next(10) == 0 ? string.Format(CultureInfo.InvariantCulture, Reasons[random.Next(Reasons.Length)], node) : null;
                await importer.StartRowAsync();
                await importer.WriteAsync(sequence, NpgsqlDbType.Bigint);
                random.NextBytes(hash);
                await importer.WriteAsync(hash, NpgsqlDbType.Bytea);
                random.NextBytes(hash);
                await importer.WriteAsync(hash, NpgsqlDbType.Bytea);
                await importer.WriteAsync(start + (step * sequence), NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(actor < 190 ? AuditActorType.User : AuditActorType.Token, NpgsqlDbType.Varchar);
                await importer.WriteAsync(actorIds[actor], NpgsqlDbType.Varchar);
                await importer.WriteAsync($"user-{actor:000}", NpgsqlDbType.Varchar);
                await importer.WriteAsync(actor % 7 == 0 ? new[] { "Admin" } : new[] { "Sre" }, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await importer.WriteAsync(action, NpgsqlDbType.Varchar);
                await importer.WriteAsync(targetType, NpgsqlDbType.Varchar);
                await importer.WriteAsync($"t-{random.Next(5000)}", NpgsqlDbType.Varchar);
                await importer.WriteAsync(outcome, NpgsqlDbType.Varchar);
                if (reason is null)
                {
                    await importer.WriteNullAsync();
                }
                else
                {
                    await importer.WriteAsync(reason, NpgsqlDbType.Text);
                }

                await importer.WriteAsync($"10.0.{node}.{random.Next(256)}", NpgsqlDbType.Varchar);
                await importer.WriteAsync("Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0", NpgsqlDbType.Text);
                await importer.WriteAsync($"c{sequence:x}", NpgsqlDbType.Varchar);
                await importer.WriteAsync($"{{\"database\": \"db-{node}\", \"run\": \"{random.Next(1_000_000)}\"}}", NpgsqlDbType.Jsonb);
                if (sequence % 1_000_000 == 0)
                {
                    Console.WriteLine($"  copied {sequence:N0} ({sequence / watch.Elapsed.TotalSeconds:N0}/s)");
                }
            }

            await importer.CompleteAsync();
        }

        await using var head = new NpgsqlCommand("UPDATE console.audit_chain_head SET last_sequence = @s WHERE id = 1", connection);
        head.Parameters.AddWithValue("s", rows);
        await head.ExecuteNonQueryAsync();
    }

    /// <summary>Bulk loading then indexing is far faster than indexing row by row; the definitions are the migration's own.</summary>
    private static async Task<List<(string Name, string Definition)>> DropSearchIndexesAsync(string ownerConnectionString)
    {
        var indexes = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        await using (var list = new NpgsqlCommand(
                         "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'console' AND tablename = 'audit_log' AND indexname <> 'PK_audit_log'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX console.\"{name}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }

        return indexes;
    }

    private static async Task<List<(string Name, double Seconds)>> CreateIndexesAsync(string ownerConnectionString, List<(string Name, string Definition)> indexes)
    {
        var times = new List<(string, double)>();
        foreach (var (name, definition) in indexes)
        {
            var watch = Stopwatch.StartNew();
            await ExecuteAsync(ownerConnectionString, "SET maintenance_work_mem = '1GB'; " + definition, TimeSpan.FromHours(1));
            times.Add((name, watch.Elapsed.TotalSeconds));
        }

        return times;
    }

    private static async Task<string> SizesAsync(string ownerConnectionString)
    {
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pg_size_pretty(pg_table_size('console.audit_log')), pg_size_pretty(pg_indexes_size('console.audit_log')), current_setting('server_version'), current_setting('shared_buffers')",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"table {reader.GetString(0)}, indexes {reader.GetString(1)}; PostgreSQL {reader.GetString(2)}, shared_buffers {reader.GetString(3)}";
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, TimeSpan timeout)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = (int)timeout.TotalSeconds }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A skewed pick (Zipf-like, s = 1): a few values are frequent, the tail is rare.</summary>
    private static int Zipf(Random random, int n)
    {
        // Inverse of the continuous approximation of the harmonic CDF.
        var u = random.NextDouble();
        var value = (int)Math.Floor(Math.Exp(u * Math.Log(n + 1)) - 1);
        return Math.Clamp(value, 0, n - 1);
    }

    private static string[] BuildActions() =>
    [
        "identity.session.ended", "identity.user.signed_in", "access.forbidden", "alerts.rule.evaluated", "backups.run.started",
        "backups.run.finished", "identity.token.used", "alerts.alert.fired", "alerts.alert.resolved", "audit.searched",
        "metrics.scrape.failed", "identity.user.sign_in_failed", "alerts.alert.acknowledged", "backups.verify.finished", "access.unauthenticated",
        "migrations.plan.created", "identity.user.created", "alerts.silence.created", "keys.rotation.started", "gdpr.request.received",
        "identity.user.roles_changed", "backups.restore.started", "migrations.applied", "keys.rotation.finished", "gdpr.request.exported",
        "identity.display.paired", "alerts.silence.expired", "backups.restore.finished", "audit.exported", "gdpr.request.erased",
        "migrations.rolled_back", "keys.key.revoked", "identity.user.disabled", "backups.run.failed", "gdpr.identity.verified",
        "identity.user.password_reset", "identity.token.revoked", "alerts.rule.changed", "audit.viewed", "migrations.failed",
    ];

    private static ClaimsPrincipal Principal(string role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bench"), new Claim(ClaimTypes.NameIdentifier, "bench"), new Claim(ClaimTypes.Role, role)], "bench"));

    private static ServiceProvider BuildServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthorizationCore(o => o.AddConsolePolicies());
        return services.BuildServiceProvider();
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The search records itself through the trail; here there is nothing to record into.</summary>
    private sealed class NoAudit : IAuditTrail
    {
        public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
