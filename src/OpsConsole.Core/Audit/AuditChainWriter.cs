using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
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

    /// <summary>id, then the 14 <see cref="FieldColumns"/>.</summary>
    private const int InboxFieldCount = 15;

    // Rows committed by another instance are picked up by this poll; this instance's own wake it at once.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly System.Collections.Concurrent.ConcurrentQueue<(AuditInboxItem Item, TaskCompletionSource Done)> _direct = new();
    private readonly SemaphoreSlim _batchGate = new(1, 1);
    private volatile bool _running;
    private readonly AuditLogBatch _batch = new(); // used under _batchGate only
    private readonly List<long> _inboxIds = [];
    private byte[] _inbox = new byte[64 * 1024];
    private NpgsqlDataSource? _dataSource;
    private long _appended;
    private long _batches;

    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>Batches committed (records per batch = <see cref="Appended"/> / this: how well group commit groups).</summary>
    public long Batches => Interlocked.Read(ref _batches);

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
                backoff = Longer(backoff);
                LogRetry(ex.GetBaseException().Message, backoff.TotalSeconds);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Anything else (a driver fault) must not stop the host: the inbox keeps the records and the next pool is fresh.
                backoff = Longer(backoff);
                LogFault(ex, backoff.TotalSeconds);
            }
        }
    }

    /// <summary>Doubles the retry delay, from 1 s up to 10 s.</summary>
    private static TimeSpan Longer(TimeSpan backoff) => TimeSpan.FromSeconds(Math.Min(10, Math.Max(1, backoff.TotalSeconds * 2)));

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

            // A statement that failed inside a transaction can leave a pooled connection's auto-prepared statements out
            // of step with the server (npgsql/npgsql#6391: "Received unexpected backend message"): start a fresh pool.
            var broken = _dataSource;
            _dataSource = null;
            if (broken is not null)
            {
                await broken.DisposeAsync();
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
        // The writer sends the same few statements for every batch: prepared once per connection, PostgreSQL stops
        // parsing and planning them each time (COPY cannot be prepared, and needs no plan).
        _dataSource ??= new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connections.Runtime) { MaxAutoPrepare = 8, AutoPrepareMinUsages = 2 }.ConnectionString) { Name = "console-audit-writer" }.Build();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // One round trip: BEGIN, the chain head's row lock (every instance's writer waits here), and whether any
        // record committed with its action waits in the inbox.
        bool inboxWaiting;
        await using (var start = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT last_sequence, last_hash FROM console.audit_chain_head WHERE id = 1 FOR UPDATE"),
                new NpgsqlBatchCommand("SELECT EXISTS (SELECT FROM console.audit_inbox)"),
            },
        })
        await using (var reader = await start.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException("The audit chain head row is missing.");
            }

            _batch.Start(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
            await reader.NextResultAsync(cancellationToken);
            inboxWaiting = await reader.ReadAsync(cancellationToken) && reader.GetBoolean(0);
        }

        // Records committed with their actions come first (they happened earlier), then the ones waiting here.
        _inboxIds.Clear();
        if (inboxWaiting)
        {
            await ReadInboxAsync(connection, cancellationToken);
        }

        foreach (var (item, _) in direct)
        {
            _batch.Add(item);
        }

        if (_batch.Count == 0)
        {
            return 0;
        }

        var stopwatch = Stopwatch.StartNew();
        await using (var copy = await connection.BeginRawBinaryCopyAsync(
                         $"COPY console.audit_log ({AuditCopyFormat.Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            await copy.WriteAsync(_batch.Complete(), cancellationToken);
        }

        var lastSequence = _batch.LastSequence;
        await using (var finish = new NpgsqlBatch(connection, transaction))
        {
            if (_inboxIds.Count > 0)
            {
                finish.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM console.audit_inbox WHERE id = ANY($1)")
                {
                    Parameters = { new NpgsqlParameter<long[]> { TypedValue = [.. _inboxIds] } },
                });
            }

            finish.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE console.audit_chain_head SET last_sequence = $1, last_hash = $2 WHERE id = 1")
            {
                Parameters =
                {
                    new NpgsqlParameter<long> { TypedValue = lastSequence },
                    new NpgsqlParameter<byte[]> { TypedValue = _batch.LastHash.ToArray() },
                },
            });
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        var count = _batch.Count;
        Interlocked.Add(ref _appended, count);
        Interlocked.Increment(ref _batches);
        live.Publish(AuditTopics.Appended, new AuditAppended(lastSequence, count));
        LogAppended(count, lastSequence, stopwatch.ElapsedMilliseconds);
        return count;
    }

    /// <summary>
    /// The oldest inbox rows as binary COPY tuples (id, then the log's own field columns): their fields go into the
    /// batch byte for byte, without being decoded into strings and encoded again.
    /// </summary>
    private async Task ReadInboxAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var length = 0;
        await using (var stream = await connection.BeginRawBinaryCopyAsync(
                         $"COPY (SELECT id, {FieldColumns} FROM console.audit_inbox ORDER BY id LIMIT {BatchSize}) TO STDOUT (FORMAT BINARY)", cancellationToken))
        {
            int read;
            do
            {
                if (length == _inbox.Length)
                {
                    Array.Resize(ref _inbox, _inbox.Length * 2);
                }

                read = await stream.ReadAsync(_inbox.AsMemory(length), cancellationToken);
                length += read;
            }
            while (read > 0);
        }

        var data = _inbox.AsSpan(0, length);
        var position = AuditCopyFormat.HeaderLength(data);
        if (position < 0)
        {
            throw new InvalidDataException("The inbox COPY stream ended inside its header.");
        }

        while (true)
        {
            var fields = BinaryPrimitives.ReadInt16BigEndian(data[position..]);
            if (fields == -1)
            {
                break;
            }

            if (fields != InboxFieldCount || BinaryPrimitives.ReadInt32BigEndian(data[(position + 2)..]) != 8)
            {
                throw new InvalidDataException($"Unexpected inbox COPY tuple ({fields} fields).");
            }

            _inboxIds.Add(BinaryPrimitives.ReadInt64BigEndian(data[(position + 6)..]));
            var first = position + 14;
            var end = first;
            for (var i = 1; i < InboxFieldCount; i++)
            {
                end += 4 + Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(data[end..]));
            }

            _batch.AddFields(data[first..end]);
            position = end;
        }

        if (_inbox.Length > 16 * 1024 * 1024)
        {
            _inbox = new byte[64 * 1024];
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit chain writer failed; retrying in {DelaySeconds} s with new connections")]
    private partial void LogFault(Exception error, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit chain writer cannot reach the database ({Error}); retrying in {DelaySeconds} s")]
    private partial void LogRetry(string error, double delaySeconds);
}

