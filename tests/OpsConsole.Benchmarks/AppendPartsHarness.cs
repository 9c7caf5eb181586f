using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Benchmarks;

/// <summary>Where an audited action's time goes: each stage of the write path alone, single-threaded.</summary>
public sealed class AppendPartsHarness : IHarness
{
    public string Name => "append-parts";

    public string Description => "CPU per stage of the audit write path (scope, DbContext, record building, hashing, COPY), one thread";

    public async Task<int> RunAsync(string[] args)
    {
        var n = VerifyHarness.Option(args, "--n", 20_000);
        await using var database = await BenchDatabase.StartAsync();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(database.Connections);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ILiveEvents>(new LiveEventBus());
        services.AddDbContext<ConsoleDbContext>(o => ConsoleDatabase.Configure(o, database.Connections.Runtime));
        services.AddScoped<AuditContext>();
        services.AddSingleton(sp => new AuditSpool(Path.GetTempPath(), 100_000, NullLogger<AuditSpool>.Instance));
        services.AddSingleton<AuditChainWriter>();
        services.AddScoped<IAuditTrail, DatabaseAuditTrail>();
        await using var provider = services.BuildServiceProvider();
        var actor = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "bench"), new Claim(ClaimTypes.NameIdentifier, Guid.NewGuid().ToString()), new Claim(ClaimTypes.Role, "Sre")], "bench"));
        AuditEntry Entry(int i) => new(actor, "bench.action", "bench", $"0-{i}", AuditOutcome.Succeeded,
            new Dictionary<string, string?> { ["worker"] = "0", ["n"] = i.ToString(CultureInfo.InvariantCulture) });

        void Time(string what, Action<int> body)
        {
            for (var i = 0; i < n; i++)
            {
                body(i); // warm-up: tiered compilation settles
            }

            GC.Collect();
            var alloc = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                body(i);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what,-58} {clock.Elapsed.TotalMicroseconds / n,8:0.0} µs wall {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / n,8:0.0} µs CPU {(GC.GetAllocatedBytesForCurrentThread() - alloc) / n,7:N0} B"));
        }

        var singletonOptions = new ServiceCollection();
        singletonOptions.AddDbContext<ConsoleDbContext>(o => ConsoleDatabase.Configure(o, database.Connections.Runtime), ServiceLifetime.Scoped, ServiceLifetime.Singleton);
        await using var singletonProvider = singletonOptions.BuildServiceProvider();
        Time("scope alone", _ =>
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<AuditContext>();
        });
        Time("scope + DbContext (scoped options)", _ =>
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        });
        Time("scope + DbContext (singleton options)", _ =>
        {
            using var scope = singletonProvider.CreateScope();
            scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        });
        Time("scope + DbContext (singleton options) + CurrentTransaction", _ =>
        {
            using var scope = singletonProvider.CreateScope();
            GC.KeepAlive(scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Database.CurrentTransaction);
        });
        Time("scope + IAuditTrail (constructs the DbContext)", _ =>
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        });
        Time("  + db.Database.CurrentTransaction (initializes it)", _ =>
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            GC.KeepAlive(scope.ServiceProvider.GetRequiredService<ConsoleDbContext>().Database.CurrentTransaction);
        });
        Time("  + DbContextTransactionProbe.CurrentTransaction (does not)", _ =>
        {
            using var scope = provider.CreateScope();
            scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            GC.KeepAlive(DbContextTransactionProbe.CurrentTransaction(scope.ServiceProvider.GetRequiredService<ConsoleDbContext>()));
        });
        Time("entry (dictionary) + DatabaseAuditTrail.ToInboxItem", i => DatabaseAuditTrail.ToInboxItem(Entry(i), null, DateTimeOffset.UtcNow));
        Time("  of which AuditActors.Describe", _ => AuditActors.Describe(actor));
        var item = DatabaseAuditTrail.ToInboxItem(Entry(1), null, DateTimeOffset.UtcNow);
        Time("  of which AuditCanonical.SerializeDetails", i => AuditCanonical.SerializeDetails(Entry(i).Details));
        var previous = new byte[32];
        Time("before: AuditChainWriter.ToRecord (AuditCanonical.Hash)", i => AuditChainWriter.ToRecord(item, i, previous));
        var batch = new AuditLogBatch();
        batch.Start(0, previous);
        Time("after: AuditLogBatch.Add (COPY tuple + hash from its bytes)", i =>
        {
            if (batch.Count == AuditChainWriter.BatchSize)
            {
                batch.Start(0, previous);
            }

            batch.Add(item);
        });

        // The server side alone: COPY of prebuilt records, batches of 2,000, each in the writer's transaction shape.
        var records = Enumerable.Range(1, n).Select(i => AuditChainWriter.ToRecord(item, i, previous)).ToArray();
        await CopyTimedAsync("before: COPY through NpgsqlBinaryImporter, 2,000 per transaction", database, records.Length, async (connection, from, count) =>
            await ImporterCopyAsync(connection, records.Skip(from).Take(count)));
        var head = records.Length;
        await CopyTimedAsync("after: raw COPY of AuditLogBatch bytes, 2,000 per transaction", database, n, async (connection, from, count) =>
        {
            var sequence = head + from;
            batch.Start(sequence, previous);
            for (var i = 0; i < count; i++)
            {
                batch.Add(item);
            }

            await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY console.audit_log ({AuditCopyFormat.Columns}) FROM STDIN (FORMAT BINARY)");
            await copy.WriteAsync(batch.Complete());
        });
        if (args.Contains("--pgbench"))
        {
            await PgbenchInboxAsync(database, VerifyHarness.Option(args, "--clients", 32), VerifyHarness.Option(args, "--seconds", 15));
        }

        return 0;
    }

    /// <summary>
    /// PostgreSQL's own ceiling for one transaction per audited action: pgbench (a C client, next to no client CPU)
    /// running BEGIN; INSERT into the inbox; COMMIT from many clients, prepared, synchronous commit as configured.
    /// </summary>
    private static async Task PgbenchInboxAsync(BenchDatabase database, int clients, int seconds)
    {
        var pgbench = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "pgbench")).FirstOrDefault(File.Exists)
            : null;
        if (pgbench is null)
        {
            Console.WriteLine("pgbench: not installed (Debian's postgresql package has it)");
            return;
        }

        var script = Path.GetTempFileName();
        await File.WriteAllTextAsync(script, $"""
            BEGIN;
            INSERT INTO console.audit_inbox ({AuditChainWriter.FieldColumns}) VALUES (now(), 'user', 'u-1', 'bench', '{"{"}Sre{"}"}', 'bench.action', 'bench', :client_id, 'succeeded', NULL, '127.0.0.1', NULL, 'c-1', '{"{"}"n": "1"{"}"}');
            COMMIT;

            """);
        var connection = new NpgsqlConnectionStringBuilder(database.Connections.Runtime);
        var start = new ProcessStartInfo(pgbench)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PGPASSWORD"] = connection.Password ?? "" },
        };
        foreach (var argument in new[]
                 {
                     "-n", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                     "-T", seconds.ToString(CultureInfo.InvariantCulture), "-f", script,
                     "-h", connection.Host!, "-p", connection.Port.ToString(CultureInfo.InvariantCulture), "-U", connection.Username!, connection.Database!,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var serverBefore = database.ServerCpuSeconds();
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var server = database.ServerCpuSeconds() - serverBefore;
        File.Delete(script);
        var transactions = output.Split('\n').FirstOrDefault(l => l.StartsWith("number of transactions actually processed", StringComparison.Ordinal));
        var tps = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps", StringComparison.Ordinal));
        Console.WriteLine($"pgbench, one transaction per record (BEGIN; INSERT inbox; COMMIT), {clients} clients, {seconds} s: {tps?.Trim() ?? errors.Trim()}; {transactions?.Trim()}");
        if (long.TryParse(transactions?.Split(':')[1].Split('/')[0].Trim(), CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  PostgreSQL CPU {server * 1e6 / count:N0} µs per transaction; load average {File.ReadAllText("/proc/loadavg")[..14].Trim()}"));
        }
    }

    private static async Task CopyTimedAsync(string what, BenchDatabase database, int n, Func<NpgsqlConnection, int, int, Task> copy)
    {
        await using var connection = new NpgsqlConnection(database.Connections.Runtime);
        await connection.OpenAsync();
        var backend = VerifyHarness.BackendCpuSeconds(connection.ProcessID);
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var from = 0; from < n; from += AuditChainWriter.BatchSize)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var head = new NpgsqlCommand("SELECT last_sequence FROM console.audit_chain_head WHERE id = 1 FOR UPDATE", connection, transaction))
            {
                await head.ExecuteScalarAsync();
            }

            await copy(connection, from, Math.Min(AuditChainWriter.BatchSize, n - from));
            await transaction.CommitAsync();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what,-62} {wall.Elapsed.TotalMicroseconds / n,7:0.0} µs wall {(Process.GetCurrentProcess().TotalProcessorTime - clientCpu).TotalMicroseconds / n,7:0.0} µs client CPU {(VerifyHarness.BackendCpuSeconds(connection.ProcessID) - backend) * 1e6 / n,7:0.0} µs PostgreSQL backend CPU per record"));
    }

    /// <summary>The writer's COPY before this harness was written: one typed Write per field through Npgsql.</summary>
    private static async Task ImporterCopyAsync(NpgsqlConnection connection, IEnumerable<AuditRecord> records)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY console.audit_log ({AuditCopyFormat.Columns}) FROM STDIN (FORMAT BINARY)");
        foreach (var r in records)
        {
            importer.StartRow();
            importer.Write(r.Sequence, NpgsqlDbType.Bigint);
            importer.Write(r.PreviousHash, NpgsqlDbType.Bytea);
            importer.Write(r.Hash, NpgsqlDbType.Bytea);
            importer.Write(r.OccurredAt, NpgsqlDbType.TimestampTz);
            importer.Write(r.ActorType, NpgsqlDbType.Varchar);
            Nullable(importer, r.ActorId, NpgsqlDbType.Varchar);
            importer.Write(r.ActorName, NpgsqlDbType.Varchar);
            importer.Write(r.ActorRoles, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(r.Action, NpgsqlDbType.Varchar);
            importer.Write(r.TargetType, NpgsqlDbType.Varchar);
            Nullable(importer, r.TargetId, NpgsqlDbType.Varchar);
            importer.Write(r.Outcome, NpgsqlDbType.Varchar);
            Nullable(importer, r.Reason, NpgsqlDbType.Text);
            Nullable(importer, r.ClientIp, NpgsqlDbType.Varchar);
            Nullable(importer, r.UserAgent, NpgsqlDbType.Text);
            Nullable(importer, r.CorrelationId, NpgsqlDbType.Varchar);
            importer.Write(r.Details, NpgsqlDbType.Jsonb);
        }

        await importer.CompleteAsync();
    }

    private static void Nullable(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, type);
        }
    }
}
