using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Live;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Seeds a validly chained audit log (real hashes, binary COPY) and times <see cref="AuditVerifier"/> over it.
/// Options: --records N (default 10,000,000), --batch N (verifier batch size), --runs N (default 1).
/// </summary>
public sealed class VerifyHarness : IHarness
{
    public string Name => "verify";

    public string Description => "seed N validly chained audit records with binary COPY, then time a full AuditVerifier run (goal: 10M < 60 s)";

    public async Task<int> RunAsync(string[] args)
    {
        var records = Option(args, "--records", 10_000_000);
        var batch = Option(args, "--batch", 20_000);
        var runs = Option(args, "--runs", 1);
        await using var database = await BenchDatabase.StartAsync();

        var seeding = Stopwatch.StartNew();
        await SeedAsync(database.Connections.Owner, records);
        var seeded = seeding.Elapsed;
        var vacuum = Stopwatch.StartNew();
        await ExecuteAsync(database.Connections.Owner, "VACUUM (ANALYZE) console.audit_log");
        var size = await ScalarAsync<long>(database.Connections.Owner, "SELECT pg_total_relation_size('console.audit_log')");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seeded {records:N0} chained records in {seeded.TotalSeconds:0.0} s ({records / seeded.TotalSeconds:N0}/s, hashes computed while seeding); VACUUM ANALYZE {vacuum.Elapsed.TotalSeconds:0.0} s; table + indexes {size / 1048576.0:N0} MiB"));

        if (args.Contains("--probe"))
        {
            await ProbeAsync(database.Connections.Runtime, batch);
        }

        using var verifier = new AuditVerifier(database.Connections, new LiveEventBus(), TimeProvider.System, NullLogger<AuditVerifier>.Instance) { BatchSize = batch };
        var ok = true;
        for (var run = 1; run <= runs; run++)
        {
            var gcBefore = GC.CollectionCount(0);
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var result = await verifier.VerifyAsync();
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"verify run {run}: {(result.Ok ? "OK" : "BROKEN")} {result.RecordsChecked:N0} records in {result.Duration.TotalSeconds:0.00} s = {result.RecordsChecked / result.Duration.TotalSeconds:N0} records/s; " +
                $"allocated {allocated / 1048576.0:N0} MiB ({(double)allocated / Math.Max(1, result.RecordsChecked):0.0} B/record), gen0 GCs {GC.CollectionCount(0) - gcBefore}; verifier CPU {cpu.TotalSeconds:0.00} s (load average {File.ReadAllText("/proc/loadavg")[..14]})"));
            if (!result.Ok || result.RecordsChecked != records)
            {
                Console.WriteLine($"unexpected: {result.Summary}");
                ok = false;
            }

            Console.WriteLine(result.Duration < TimeSpan.FromSeconds(60) * records / 10_000_000.0
                ? "goal met: < 60 s per 10M records"
                : "goal MISSED: >= 60 s per 10M records");
        }

        return ok ? 0 : 1;
    }

    /// <summary>One producer builds and hashes records in chain order; the consumer streams them to COPY meanwhile.</summary>
    internal static async Task SeedAsync(string ownerConnectionString, int count)
    {
        var channel = Channel.CreateBounded<AuditRecord[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            var templates = Templates();
            var previous = new byte[AuditCanonical.HashLength];
            var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            const int chunk = 10_000;
            for (var from = 1; from <= count; from += chunk)
            {
                var size = Math.Min(chunk, count - from + 1);
                var buffer = new AuditRecord[size];
                for (var i = 0; i < size; i++)
                {
                    var sequence = from + i;
                    var template = templates[sequence % templates.Length];
                    var record = AuditChainWriter.ToRecord(
                        new AuditInboxItem
                        {
                            OccurredAt = start.AddTicks(sequence * 310_000L),
                            ActorType = template.ActorType,
                            ActorId = template.ActorId,
                            ActorName = template.ActorName,
                            ActorRoles = template.ActorRoles,
                            Action = template.Action,
                            TargetType = template.TargetType,
                            TargetId = $"{template.TargetId}-{sequence % 9973}",
                            Outcome = template.Outcome,
                            Reason = template.Reason,
                            ClientIp = template.ClientIp,
                            UserAgent = template.UserAgent,
                            CorrelationId = $"0HN{sequence:X10}:00000001",
                            Details = template.Details,
                        },
                        sequence,
                        previous);
                    previous = record.Hash;
                    buffer[i] = record;
                }

                await channel.Writer.WriteAsync(buffer);
            }

            channel.Writer.Complete();
        });

        long last = 0;
        byte[] lastHash = new byte[AuditCanonical.HashLength];
        await using (var connection = new NpgsqlConnection(ownerConnectionString))
        {
            await connection.OpenAsync();
            await using var importer = await connection.BeginBinaryImportAsync(
                $"COPY console.audit_log (sequence, previous_hash, hash, {AuditChainWriter.FieldColumns}) FROM STDIN (FORMAT BINARY)");
            await foreach (var chunk in channel.Reader.ReadAllAsync())
            {
                foreach (var r in chunk)
                {
                    await importer.StartRowAsync();
                    await importer.WriteAsync(r.Sequence, NpgsqlDbType.Bigint);
                    await importer.WriteAsync(r.PreviousHash, NpgsqlDbType.Bytea);
                    await importer.WriteAsync(r.Hash, NpgsqlDbType.Bytea);
                    await importer.WriteAsync(r.OccurredAt, NpgsqlDbType.TimestampTz);
                    await importer.WriteAsync(r.ActorType, NpgsqlDbType.Varchar);
                    await Nullable(importer, r.ActorId, NpgsqlDbType.Varchar);
                    await importer.WriteAsync(r.ActorName, NpgsqlDbType.Varchar);
                    await importer.WriteAsync(r.ActorRoles, NpgsqlDbType.Array | NpgsqlDbType.Text);
                    await importer.WriteAsync(r.Action, NpgsqlDbType.Varchar);
                    await importer.WriteAsync(r.TargetType, NpgsqlDbType.Varchar);
                    await Nullable(importer, r.TargetId, NpgsqlDbType.Varchar);
                    await importer.WriteAsync(r.Outcome, NpgsqlDbType.Varchar);
                    await Nullable(importer, r.Reason, NpgsqlDbType.Text);
                    await Nullable(importer, r.ClientIp, NpgsqlDbType.Varchar);
                    await Nullable(importer, r.UserAgent, NpgsqlDbType.Text);
                    await Nullable(importer, r.CorrelationId, NpgsqlDbType.Varchar);
                    await importer.WriteAsync(r.Details, NpgsqlDbType.Jsonb);
                    last = r.Sequence;
                    lastHash = r.Hash;
                }
            }

            await importer.CompleteAsync();
        }

        await producer;
        await using var head = new NpgsqlConnection(ownerConnectionString);
        await head.OpenAsync();
        await using var move = new NpgsqlCommand("UPDATE console.audit_chain_head SET last_sequence = @s, last_hash = @h WHERE id = 1", head);
        move.Parameters.AddWithValue("s", last);
        move.Parameters.AddWithValue("h", lastHash);
        await move.ExecuteNonQueryAsync();
    }

    /// <summary>The PostgreSQL side alone: the same keyset COPY batches, read and discarded (the floor for the verifier).</summary>
    private static async Task ProbeAsync(string connectionString, int batch)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var backendBefore = BackendCpuSeconds(connection.ProcessID);
        var buffer = new byte[1 << 20];
        long bytes = 0;
        long after = 0; // seeded sequences are contiguous from 1
        while (true)
        {
            long read = 0;
            await using (var stream = await connection.BeginRawBinaryCopyAsync(
                             $"COPY (SELECT {AuditCopyFormat.Columns} FROM console.audit_log WHERE sequence > {after} ORDER BY sequence LIMIT {batch}) TO STDOUT (FORMAT BINARY)"))
            {
                int n;
                while ((n = stream.Read(buffer)) > 0)
                {
                    read += n;
                }
            }

            if (read <= 21)
            {
                break;
            }

            bytes += read;
            after += batch;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"probe: raw COPY of the log read in {clock.Elapsed.TotalSeconds:0.00} s ({bytes / 1048576.0:N0} MiB), client CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} s, PostgreSQL backend CPU {BackendCpuSeconds(connection.ProcessID) - backendBefore:0.00} s"));
    }

    /// <summary>utime + stime of a PostgreSQL backend from /proc (100 ticks a second); 0 when not readable.</summary>
    internal static double BackendCpuSeconds(int pid)
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Task Nullable(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type) =>
        value is null ? importer.WriteNullAsync() : importer.WriteAsync(value, type);

    /// <summary>Realistic variety: people, tokens, the system, denials; details with escapes and non-ASCII now and then.</summary>
    private static AuditFields[] Templates()
    {
        var actions = new[] { "identity.user.created", "identity.user.role_added", "access.forbidden", "identity.session.ended", "identity.token.created", "audit.checkpoint.created", "identity.display.paired" };
        var agents = new[] { "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "curl/8.5.0", null };
        var templates = new AuditFields[997];
        for (var i = 0; i < templates.Length; i++)
        {
            var kind = i % 5;
            templates[i] = new AuditInboxItem
            {
                ActorType = kind switch { 0 => AuditActorType.System, 1 => AuditActorType.Token, 2 => AuditActorType.Anonymous, _ => AuditActorType.User },
                ActorId = kind is 0 or 2 ? null : Guid.NewGuid().ToString(),
                ActorName = kind switch { 0 => "system", 2 => "anonymous", _ => $"user{i % 40}" },
                ActorRoles = kind switch { 0 or 2 => [], 1 => ["Sre"], _ => ["Admin", "Auditor"] },
                Action = actions[i % actions.Length],
                TargetType = "user",
                TargetId = Guid.NewGuid().ToString(),
                Outcome = kind == 2 ? AuditOutcome.Denied : AuditOutcome.Succeeded,
                Reason = kind == 2 ? "roles do not allow the operation" : null,
                ClientIp = kind == 0 ? null : $"10.0.{i % 250}.{i % 200}",
                UserAgent = kind == 0 ? null : agents[i % agents.Length],
                Details = (i % 4) switch
                {
                    0 => "{}",
                    1 => """{"token":"ci-deploy","role":"Sre"}""",
                    2 => """{"name":"Lobby TV \"east\"","note":"Büro 2 – 😀"}""",
                    _ => """{"lastSequence":"123456","keyId":"0123456789abcdef","hash":"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"}""",
                },
            };
        }

        return templates;
    }

    internal static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1].Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;
    }

    internal static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
