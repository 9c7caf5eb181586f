using System.Collections.Concurrent;
using System.Data;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

public static class AuditIntegrityTopics
{
    /// <summary>A verification's progress, a few times a second while it runs (distributed: any instance's page shows a scheduled run).</summary>
    public static LiveTopic<AuditVerificationProgress> VerificationProgress { get; } = new("audit.verification.progress", Distributed: true);

    /// <summary>A verification finished (its audit record is written).</summary>
    public static LiveTopic<AuditVerificationResult> Verified { get; } = new("audit.verified", Distributed: true);

    /// <summary>A checkpoint was written (number).</summary>
    public static LiveTopic<long> CheckpointCreated { get; } = new("audit.checkpoint.created", Distributed: true);
}

/// <summary>
/// Verifies the whole audit log against its hashes and signed checkpoints. One consistent snapshot (REPEATABLE READ,
/// read-only) is streamed in sequence order as binary COPY in keyset batches; each batch's hashes are recomputed in
/// parallel by <see cref="AuditFastHasher"/> while the next batch is read, and <see cref="AuditChainChecker"/> then
/// walks the links in order. Memory stays bounded by a few batches whatever the log's size.
/// </summary>
public sealed partial class AuditVerifier(
    ConsoleConnectionStrings connections,
    ILiveEvents live,
    TimeProvider time,
    ILogger<AuditVerifier> logger) : IDisposable
{
    public const string TriggerManual = "manual";
    public const string TriggerScheduled = "scheduled";

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentBag<AuditFastHasher> _hashers = [];
    private readonly ConcurrentBag<byte[]> _buffers = [];
    private readonly ConcurrentBag<Row[]> _rowArrays = [];
    private AuditVerificationProgress? _running;

    /// <summary>Records per COPY batch (keyset on sequence).</summary>
    public int BatchSize { get; init; } = 20_000;

    /// <summary>Hashing threads per batch.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The verification running in this process now, if any.</summary>
    public AuditVerificationProgress? Running => Volatile.Read(ref _running);

    public Task<AuditVerificationResult> VerifyAsync(IProgress<AuditVerificationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        VerifyAsync(TriggerManual, progress, cancellationToken);

    /// <summary>One verification at a time per process; a second caller waits for the first to finish, then runs its own.</summary>
    public async Task<AuditVerificationResult> VerifyAsync(string trigger, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await RunAsync(trigger, progress, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _running, null);
            _gate.Release();
        }
    }

    private async Task<AuditVerificationResult> RunAsync(string trigger, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var runId = Guid.NewGuid();
        await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
        await connection.OpenAsync(cancellationToken);
        // One snapshot for the head, checkpoints, keys and every batch: records appended meanwhile are simply not in it.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await ExecuteAsync(connection, "SET TRANSACTION READ ONLY", cancellationToken);
        var head = (long)(await ScalarAsync(connection, "SELECT last_sequence FROM console.audit_chain_head WHERE id = 1", cancellationToken) ?? 0L);
        var maxSequence = (long)(await ScalarAsync(connection, "SELECT coalesce(max(sequence), 0) FROM console.audit_log", cancellationToken))!;
        var keys = await ReadKeysAsync(connection, cancellationToken);
        var checkpoints = await AuditCheckpointStore.ReadAllAsync(connection, cancellationToken);
        var (checkpointFailure, trusted) = AuditCheckpointChain.Check(checkpoints, keys);
        var checker = new AuditChainChecker(trusted);
        var total = Math.Max(head, maxSequence);

        void Report(bool finished)
        {
            var current = new AuditVerificationProgress(runId, checker.Checked, total, stopwatch.Elapsed, finished, trigger);
            Volatile.Write(ref _running, finished ? null : current);
            progress?.Report(current);
            live.Publish(AuditIntegrityTopics.VerificationProgress, current);
        }

        Report(finished: false);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<Task<Batch>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var producer = Task.Factory.StartNew(
            () => ProduceAsync(connection, batches.Writer, stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        var lastReport = stopwatch.Elapsed;
        try
        {
            await foreach (var pending in batches.Reader.ReadAllAsync(cancellationToken))
            {
                var batch = await pending;
                try
                {
                    if (!Walk(batch, checker))
                    {
                        break;
                    }
                }
                finally
                {
                    Return(batch);
                }

                if (stopwatch.Elapsed - lastReport >= ProgressInterval)
                {
                    lastReport = stopwatch.Elapsed;
                    Report(finished: false);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Stopped early at the first failure (or the caller's cancellation, rethrown below).
            }

            // Hash tasks already queued still return their buffers' batches; let them finish quietly.
            while (batches.Reader.TryRead(out var leftover))
            {
                try
                {
                    Return(await leftover);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        var recordFailure = checker.Failure ?? checker.Complete(head);
        var failure = AuditChainChecker.First(recordFailure, checkpointFailure);
        stopwatch.Stop();
        Report(finished: true);
        var result = AuditVerificationResult.From(failure, checker.Checked, checkpoints.Count, stopwatch.Elapsed, startedAt);
        if (result.Ok)
        {
            LogIntact(result.RecordsChecked, result.CheckpointsChecked, result.Duration.TotalSeconds);
        }
        else
        {
            LogBroken(result.Summary);
        }

        return result;
    }

    /// <summary>Feeds a hashed batch to the checker in order; false at the first failure.</summary>
    private static bool Walk(Batch batch, AuditChainChecker checker)
    {
        var buffer = batch.Buffer.AsSpan();
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var row = ref batch.Rows[i];
            if (!checker.Accept(
                    row.Sequence,
                    buffer.Slice(row.PreviousHashOffset, row.PreviousHashLength),
                    buffer.Slice(row.HashOffset, row.HashLength),
                    row.ContentMatches))
            {
                return false;
            }
        }

        return true;
    }

    private async Task ProduceAsync(NpgsqlConnection connection, ChannelWriter<Task<Batch>> output, CancellationToken cancellationToken)
    {
        try
        {
            var after = long.MinValue;
            while (true)
            {
                var batch = await ReadBatchAsync(connection, after, cancellationToken);
                var full = batch.Count == BatchSize;
                if (batch.Count > 0)
                {
                    after = batch.LastSequence;
                    await output.WriteAsync(Task.Run(() => Hash(batch), cancellationToken), cancellationToken);
                }
                else
                {
                    Return(batch);
                }

                if (!full)
                {
                    break;
                }
            }
        }
        finally
        {
            output.Complete();
        }
    }

    private async Task<Batch> ReadBatchAsync(NpgsqlConnection connection, long after, CancellationToken cancellationToken)
    {
        var buffer = _buffers.TryTake(out var pooled) ? pooled : new byte[8 << 20];
        var length = 0;
        // Keyset by value, never by offset: a gap or a stray huge sequence cannot make this loop or skip.
        var sql = $"COPY (SELECT {AuditCopyFormat.Columns} FROM console.audit_log WHERE sequence > {after} ORDER BY sequence LIMIT {BatchSize}) TO STDOUT (FORMAT BINARY)";
        await using (var stream = await connection.BeginRawBinaryCopyAsync(sql, cancellationToken))
        {
            // PostgreSQL sends one CopyData message per row and a read returns at most one message: synchronous
            // reads (on the producer's own thread) cost a fraction of an async state machine per row.
            while (true)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                cancellationToken.ThrowIfCancellationRequested();
                var read = stream.Read(buffer.AsSpan(length));
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }

        var span = buffer.AsSpan(0, length);
        var position = AuditCopyFormat.HeaderLength(span);
        if (position < 0)
        {
            throw new InvalidDataException("The COPY stream ended inside its header.");
        }

        var rows = _rowArrays.TryTake(out var pooledRows) && pooledRows.Length == BatchSize ? pooledRows : new Row[BatchSize];
        var count = 0;
        while (true)
        {
            var tupleLength = AuditCopyFormat.TupleLength(span[position..], out var trailer);
            if (tupleLength < 0)
            {
                throw new InvalidDataException("The COPY stream ended inside a record.");
            }

            if (trailer)
            {
                break;
            }

            if (count == rows.Length)
            {
                throw new InvalidDataException("The COPY batch holds more records than it asked for.");
            }

            rows[count++] = new Row { Offset = position, Length = tupleLength };
            position += tupleLength;
        }

        var lastSequence = count == 0 ? after : AuditCopyFormat.ReadInt64(span, rows[count - 1].Offset + 2 + 4);
        return new Batch(buffer, rows, count, lastSequence);
    }

    private void Return(Batch batch)
    {
        _buffers.Add(batch.Buffer);
        _rowArrays.Add(batch.Rows);
    }

    private Batch Hash(Batch batch)
    {
        var parts = Math.Max(1, Math.Min(Parallelism, batch.Count / 2048));
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var hasher = _hashers.TryTake(out var h) ? h : new AuditFastHasher();
            Span<int> offsets = stackalloc int[AuditCopyFormat.FieldCount];
            Span<int> lengths = stackalloc int[AuditCopyFormat.FieldCount];
            Span<byte> computed = stackalloc byte[AuditCanonical.HashLength];
            var from = batch.Count * part / parts;
            var to = batch.Count * (part + 1) / parts;
            for (var i = from; i < to; i++)
            {
                ref var row = ref batch.Rows[i];
                var tuple = batch.Buffer.AsSpan(row.Offset, row.Length);
                AuditCopyFormat.Slice(tuple, offsets, lengths);
                row.Sequence = AuditCopyFormat.ReadInt64(tuple, offsets[AuditCopyFormat.Sequence]);
                row.PreviousHashOffset = row.Offset + offsets[AuditCopyFormat.PreviousHash];
                row.PreviousHashLength = Math.Max(0, lengths[AuditCopyFormat.PreviousHash]);
                row.HashOffset = row.Offset + offsets[AuditCopyFormat.Hash];
                row.HashLength = Math.Max(0, lengths[AuditCopyFormat.Hash]);
                row.ContentMatches = hasher.TryComputeHash(tuple, computed)
                    && computed.SequenceEqual(tuple.Slice(offsets[AuditCopyFormat.Hash], row.HashLength));
            }

            _hashers.Add(hasher);
        });
        return batch;
    }

    private static async Task<Dictionary<string, byte[]>> ReadKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT id, public_key FROM console.audit_signing_keys WHERE length(public_key) > 0", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys[reader.GetString(0)] = (byte[])reader[1];
        }

        return keys;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose() => _gate.Dispose();

    private struct Row
    {
        public int Offset;
        public int Length;
        public long Sequence;
        public int PreviousHashOffset;
        public int PreviousHashLength;
        public int HashOffset;
        public int HashLength;
        public bool ContentMatches;
    }

    private sealed record Batch(byte[] Buffer, Row[] Rows, int Count, long LastSequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit log intact: {Records} records and {Checkpoints} checkpoints verified in {Seconds:0.0} s")]
    private partial void LogIntact(long records, long checkpoints, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit log verification failed: {Summary}")]
    private partial void LogBroken(string summary);
}

