using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>Records up to this sequence are in the log (distributed: every instance's audit pages refresh).</summary>
public sealed record AuditAppended(long LastSequence, int Count);

public static class AuditTopics
{
    public static LiveTopic<AuditAppended> Appended { get; } = new("audit.appended", Distributed: true);
}

/// <summary>
/// The single writer of the chain. Each batch locks the chain head row, takes the oldest inbox rows, hashes each onto
/// the previous one, COPYs them into the log, deletes them from the inbox and moves the head — all in one
/// transaction. Another instance's writer waits on the same row lock, so the chain never forks.
/// </summary>
public sealed partial class AuditChainWriter(
    ConsoleConnectionStrings connections,
    ILiveEvents live,
    ILogger<AuditChainWriter> logger) : BackgroundService
{
    public const int BatchSize = 2000;

    // Rows committed by another instance are picked up by this poll; this instance's own wake it at once.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(AuditInboxItem Item, TaskCompletionSource Done)> _direct = new();
    private readonly SemaphoreSlim _batchGate = new(1, 1);
    private volatile bool _running;
    private NpgsqlDataSource? _dataSource;
    private long _appended;

    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Wakes the writer (cheap; extra signals coalesce).</summary>
    public void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: coalesced.
            }
        }
    }

    /// <summary>True while the background loop runs (not in the admin CLI, which only writes to the inbox).</summary>
    public bool IsRunning => _running;

    /// <summary>
    /// Group commit for a record that is not part of an action's transaction: it joins the next batch, and the task
    /// completes once that batch is committed to the chain (or fails with the batch). Concurrent callers share one
    /// transaction, which is what makes thousands of audited actions a second cheap.
    /// </summary>
    public Task AppendAsync(AuditInboxItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _direct.Enqueue((item, done));
        Signal();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Appends everything in the inbox now (tests and shutdown); returns how many records were chained.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int appended;
        do
        {
            appended = await AppendBatchAsync(cancellationToken);
            total += appended;
        }
        while (appended >= BatchSize || !_direct.IsEmpty);
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _running = true;
        var backoff = TimeSpan.Zero;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(backoff > TimeSpan.Zero ? backoff : PollInterval, stoppingToken);
                await DrainAsync(stoppingToken);
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // The database is down or not migrated yet: the inbox keeps the records; try again soon.
                backoff = TimeSpan.FromSeconds(Math.Min(10, Math.Max(1, backoff.TotalSeconds * 2)));
                LogRetry(ex.GetBaseException().Message, backoff.TotalSeconds);
            }
        }
    }

    private async Task<int> AppendBatchAsync(CancellationToken cancellationToken)
    {
        await _batchGate.WaitAsync(cancellationToken);
        var direct = new List<(AuditInboxItem Item, TaskCompletionSource Done)>();
        try
        {
            while (direct.Count < BatchSize && _direct.TryDequeue(out var next))
            {
                direct.Add(next);
            }

            var appended = await AppendBatchCoreAsync(direct, cancellationToken);
            foreach (var (_, done) in direct)
            {
                done.TrySetResult();
            }

            return appended;
        }
        catch (Exception ex)
        {
            // The callers decide: a denial is spooled, an action is refused. Nothing of this batch was committed.
            foreach (var (_, done) in direct)
            {
                done.TrySetException(ex);
            }

            throw;
        }
        finally
        {
            _batchGate.Release();
        }
    }

    private async Task<int> AppendBatchCoreAsync(List<(AuditInboxItem Item, TaskCompletionSource Done)> direct, CancellationToken cancellationToken)
    {
        _dataSource ??= NpgsqlDataSource.Create(connections.Runtime);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long lastSequence;
        byte[] lastHash;
        await using (var head = new NpgsqlCommand("SELECT last_sequence, last_hash FROM console.audit_chain_head WHERE id = 1 FOR UPDATE", connection, transaction))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException("The audit chain head row is missing.");
            }

            lastSequence = reader.GetInt64(0);
            lastHash = (byte[])reader[1];
        }

        // Records committed with their actions come first (they happened earlier), then the ones waiting here.
        var batch = await ReadInboxAsync(connection, transaction, cancellationToken);
        if (batch.Count == 0 && direct.Count == 0)
        {
            return 0;
        }

        var stopwatch = Stopwatch.StartNew();
        var records = new List<AuditRecord>(batch.Count + direct.Count);
        foreach (var item in batch.Select(b => b.Item).Concat(direct.Select(d => d.Item)))
        {
            var record = ToRecord(item, ++lastSequence, lastHash);
            lastHash = record.Hash;
            records.Add(record);
        }

        await CopyAsync(connection, records, cancellationToken);
        if (batch.Count > 0)
        {
            await using var delete = new NpgsqlCommand("DELETE FROM console.audit_inbox WHERE id = ANY(@ids)", connection, transaction);
            delete.Parameters.AddWithValue("ids", batch.Select(b => b.Id).ToArray());
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var move = new NpgsqlCommand("UPDATE console.audit_chain_head SET last_sequence = @s, last_hash = @h WHERE id = 1", connection, transaction))
        {
            move.Parameters.AddWithValue("s", lastSequence);
            move.Parameters.AddWithValue("h", lastHash);
            await move.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Interlocked.Add(ref _appended, records.Count);
        live.Publish(AuditTopics.Appended, new AuditAppended(lastSequence, records.Count));
        LogAppended(records.Count, lastSequence, stopwatch.ElapsedMilliseconds);
        return records.Count;
    }

    internal static AuditRecord ToRecord(AuditFields item, long sequence, byte[] previousHash)
    {
        var record = new AuditRecord
        {
            Sequence = sequence,
            PreviousHash = previousHash,
            OccurredAt = item.OccurredAt,
            ActorType = item.ActorType,
            ActorId = item.ActorId,
            ActorName = item.ActorName,
            ActorRoles = item.ActorRoles,
            Action = item.Action,
            TargetType = item.TargetType,
            TargetId = item.TargetId,
            Outcome = item.Outcome,
            Reason = item.Reason,
            ClientIp = item.ClientIp,
            UserAgent = item.UserAgent,
            CorrelationId = item.CorrelationId,
            Details = item.Details,
        };
        record.Hash = AuditCanonical.Hash(sequence, previousHash, record);
        return record;
    }

    internal const string FieldColumns =
        "occurred_at, actor_type, actor_id, actor_name, actor_roles, action, target_type, target_id, outcome, reason, client_ip, user_agent, correlation_id, details";

    private static async Task<List<(long Id, AuditInboxItem Item)>> ReadInboxAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var batch = new List<(long, AuditInboxItem)>();
        await using var select = new NpgsqlCommand(
            $"SELECT id, {FieldColumns} FROM console.audit_inbox ORDER BY id LIMIT {BatchSize}", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            batch.Add((reader.GetInt64(0), ReadFields(reader, 1)));
        }

        return batch;
    }

    internal static AuditInboxItem ReadFields(NpgsqlDataReader reader, int offset) => new()
    {
        OccurredAt = reader.GetFieldValue<DateTimeOffset>(offset),
        ActorType = reader.GetString(offset + 1),
        ActorId = reader.IsDBNull(offset + 2) ? null : reader.GetString(offset + 2),
        ActorName = reader.GetString(offset + 3),
        ActorRoles = reader.GetFieldValue<string[]>(offset + 4),
        Action = reader.GetString(offset + 5),
        TargetType = reader.GetString(offset + 6),
        TargetId = reader.IsDBNull(offset + 7) ? null : reader.GetString(offset + 7),
        Outcome = reader.GetString(offset + 8),
        Reason = reader.IsDBNull(offset + 9) ? null : reader.GetString(offset + 9),
        ClientIp = reader.IsDBNull(offset + 10) ? null : reader.GetString(offset + 10),
        UserAgent = reader.IsDBNull(offset + 11) ? null : reader.GetString(offset + 11),
        CorrelationId = reader.IsDBNull(offset + 12) ? null : reader.GetString(offset + 12),
        Details = reader.GetString(offset + 13),
    };

    /// <summary>Binary COPY: the fastest way PostgreSQL takes rows, and what makes thousands of records a second cheap.</summary>
    internal static async Task CopyAsync(NpgsqlConnection connection, IEnumerable<AuditRecord> records, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY console.audit_log (sequence, previous_hash, hash, {FieldColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        // Per-field writes only fill the importer's buffer; awaiting each of them cost more CPU than the rare flush.
        foreach (var r in records)
        {
            importer.StartRow();
            importer.Write(r.Sequence, NpgsqlDbType.Bigint);
            importer.Write(r.PreviousHash, NpgsqlDbType.Bytea);
            importer.Write(r.Hash, NpgsqlDbType.Bytea);
            importer.Write(r.OccurredAt, NpgsqlDbType.TimestampTz);
            importer.Write(r.ActorType, NpgsqlDbType.Varchar);
            WriteNullable(importer, r.ActorId, NpgsqlDbType.Varchar);
            importer.Write(r.ActorName, NpgsqlDbType.Varchar);
            importer.Write(r.ActorRoles, NpgsqlDbType.Array | NpgsqlDbType.Text);
            importer.Write(r.Action, NpgsqlDbType.Varchar);
            importer.Write(r.TargetType, NpgsqlDbType.Varchar);
            WriteNullable(importer, r.TargetId, NpgsqlDbType.Varchar);
            importer.Write(r.Outcome, NpgsqlDbType.Varchar);
            WriteNullable(importer, r.Reason, NpgsqlDbType.Text);
            WriteNullable(importer, r.ClientIp, NpgsqlDbType.Varchar);
            WriteNullable(importer, r.UserAgent, NpgsqlDbType.Text);
            WriteNullable(importer, r.CorrelationId, NpgsqlDbType.Varchar);
            importer.Write(r.Details, NpgsqlDbType.Jsonb);
        }

        await importer.CompleteAsync(cancellationToken);
    }

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value, NpgsqlDbType type)
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

    public override void Dispose()
    {
        _running = false;
        _dataSource?.Dispose();
        _signal.Dispose();
        _batchGate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Audit chain: appended {Count} record(s) up to #{LastSequence} in {ElapsedMs} ms")]
    private partial void LogAppended(int count, long lastSequence, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit chain writer cannot reach the database ({Error}); retrying in {DelaySeconds} s")]
    private partial void LogRetry(string error, double delaySeconds);
}
