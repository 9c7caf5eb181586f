using System.Globalization;

namespace OpsConsole.Core.Audit;

/// <summary>What a verification found wrong, as a stable code (API, audit details) beside the plain-words reason.</summary>
public static class AuditIntegrityProblem
{
    /// <summary>A sequence number is absent: the record was deleted.</summary>
    public const string RecordMissing = "record-missing";

    /// <summary>The record's fields no longer hash to its stored hash: it was edited.</summary>
    public const string ContentChanged = "content-changed";

    /// <summary>A record's previous_hash is not the stored hash of the record before it: one of them was replaced and re-hashed.</summary>
    public const string LinkBroken = "link-broken";

    /// <summary>The log ends before a signed checkpoint (or the chain head) says it did: the newest records were deleted.</summary>
    public const string NewestRecordsMissing = "newest-records-missing";

    /// <summary>A record at a checkpoint's position does not have the hash the checkpoint signed: the log was rewritten.</summary>
    public const string CheckpointMismatch = "checkpoint-mismatch";

    /// <summary>A checkpoint's signature does not verify with its key (or its key is unknown).</summary>
    public const string CheckpointSignatureInvalid = "checkpoint-signature-invalid";

    /// <summary>A checkpoint does not chain to the one before it, or a checkpoint number is missing.</summary>
    public const string CheckpointChainBroken = "checkpoint-chain-broken";
}

/// <summary>The first thing found wrong: the record's sequence (or the checkpoint's number) and the reason in plain words.</summary>
public sealed record AuditIntegrityFailure(string Problem, long? Sequence, long? Checkpoint, string Reason)
{
    /// <summary>Where in the log it is, for picking the first of several: a record's sequence, or the record a checkpoint signs.</summary>
    internal long Position { get; init; }
}

/// <summary>The outcome of one full verification.</summary>
public sealed record AuditVerificationResult(
    bool Ok,
    long RecordsChecked,
    long CheckpointsChecked,
    TimeSpan Duration,
    DateTimeOffset StartedAt,
    long? FirstBrokenSequence,
    long? BrokenCheckpoint,
    string? Problem,
    string? Reason)
{
    public static AuditVerificationResult From(AuditIntegrityFailure? failure, long records, long checkpoints, TimeSpan duration, DateTimeOffset startedAt) =>
        new(failure is null, records, checkpoints, duration, startedAt, failure?.Sequence, failure?.Checkpoint, failure?.Problem, failure?.Reason);

    /// <summary>One line for logs, alerts and the audit record.</summary>
    public string Summary => Ok
        ? string.Create(CultureInfo.InvariantCulture, $"intact: {RecordsChecked:N0} records and {CheckpointsChecked:N0} checkpoints verified in {Duration.TotalSeconds:0.0} s")
        : string.Create(CultureInfo.InvariantCulture, $"BROKEN{(FirstBrokenSequence is { } s ? $" at record {s}" : "")}{(BrokenCheckpoint is { } c ? $" (checkpoint #{c})" : "")}: {Reason}");
}

/// <summary>Progress of a running verification (also published on <see cref="AuditTopics.VerificationProgress"/>).</summary>
public sealed record AuditVerificationProgress(Guid RunId, long Checked, long Total, TimeSpan Elapsed, bool Finished, string Trigger)
{
    public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? Checked / Elapsed.TotalSeconds : 0;

    public double Fraction => Total > 0 ? Math.Min(1, (double)Checked / Total) : (Finished ? 1 : 0);
}

/// <summary>Checkpoint chain rules (pure: the service and the verifier both use them, the unit tests pin them).</summary>
public static class AuditCheckpointChain
{
    /// <summary>The first checkpoint's <see cref="AuditCheckpoint.PreviousCheckpointHash"/>.</summary>
    public static byte[] Genesis => new byte[AuditCanonical.HashLength];

    /// <summary>
    /// True when the log moved since <paramref name="previous"/>: not when nothing was appended, nor when the only new
    /// record is the previous checkpoint's own "audit.checkpoint.created" (an idle console does not sign every hour).
    /// </summary>
    public static bool HasNews(AuditCheckpoint? previous, long headSequence, bool headIsPreviousCheckpointRecord) =>
        headSequence > 0 && (previous is null
            || (headSequence > previous.LastSequence && !(headSequence == previous.LastSequence + 1 && headIsPreviousCheckpointRecord)));

    /// <summary>The unsigned successor of <paramref name="previous"/> (number + 1, chained to its hash).</summary>
    public static AuditCheckpoint Next(AuditCheckpoint? previous, long headSequence, byte[] headHash, DateTimeOffset now, string keyId) => new()
    {
        Number = (previous?.Number ?? 0) + 1,
        CreatedAt = AuditCanonical.ToStoredPrecision(now),
        LastSequence = headSequence,
        LastHash = headHash,
        PreviousCheckpointHash = previous?.Hash ?? Genesis,
        KeyId = keyId,
    };

    /// <summary>
    /// Checks numbering (1, 2, 3 …), chaining, order and each signature with its key. Returns the first failure (or
    /// null) and the checkpoints whose signatures hold, which the record pass then compares with the log.
    /// </summary>
    public static (AuditIntegrityFailure? Failure, IReadOnlyList<AuditCheckpoint> Trusted) Check(
        IReadOnlyList<AuditCheckpoint> checkpoints, IReadOnlyDictionary<string, byte[]> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(publicKeys);
        AuditIntegrityFailure? failure = null;
        var trusted = new List<AuditCheckpoint>(checkpoints.Count);
        AuditCheckpoint? previous = null;
        foreach (var checkpoint in checkpoints.OrderBy(c => c.Number))
        {
            var expectedNumber = (previous?.Number ?? 0) + 1;
            var signed = publicKeys.TryGetValue(checkpoint.KeyId, out var key) && SafeVerify(checkpoint, key);
            if (!signed)
            {
                failure ??= Fail(AuditIntegrityProblem.CheckpointSignatureInvalid, checkpoint, key is null
                    ? $"checkpoint signature invalid: checkpoint #{checkpoint.Number} names signing key '{checkpoint.KeyId}', which is not in the key table"
                    : $"checkpoint signature invalid: checkpoint #{checkpoint.Number} (records up to {checkpoint.LastSequence}) does not verify with key '{checkpoint.KeyId}'");
            }
            else if (checkpoint.Number != expectedNumber)
            {
                failure ??= Fail(AuditIntegrityProblem.CheckpointChainBroken, checkpoint,
                    $"checkpoint missing: #{expectedNumber} is absent (the next one is #{checkpoint.Number})");
            }
            else if (!checkpoint.PreviousCheckpointHash.AsSpan().SequenceEqual(previous?.Hash ?? Genesis))
            {
                failure ??= Fail(AuditIntegrityProblem.CheckpointChainBroken, checkpoint,
                    $"checkpoint chain broken: checkpoint #{checkpoint.Number} does not link to checkpoint #{expectedNumber - 1}");
            }
            else if (previous is not null && checkpoint.LastSequence < previous.LastSequence)
            {
                failure ??= Fail(AuditIntegrityProblem.CheckpointChainBroken, checkpoint,
                    $"checkpoint chain broken: checkpoint #{checkpoint.Number} covers fewer records ({checkpoint.LastSequence}) than #{previous.Number} ({previous.LastSequence})");
            }

            if (signed)
            {
                trusted.Add(checkpoint);
            }

            previous = checkpoint;
        }

        return (failure, trusted);
    }

    private static bool SafeVerify(AuditCheckpoint checkpoint, byte[] publicKey)
    {
        try
        {
            return AuditCheckpointSigning.Verify(checkpoint, publicKey);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    private static AuditIntegrityFailure Fail(string problem, AuditCheckpoint checkpoint, string reason) =>
        new(problem, null, checkpoint.Number, reason) { Position = checkpoint.LastSequence };
}

/// <summary>
/// The sequential half of verification: fed each record's sequence, stored previous_hash and stored hash in order,
/// plus whether its recomputed hash matched, it finds the first gap, edit, broken link or checkpoint mismatch.
/// The recomputation itself is independent per record and runs in parallel elsewhere.
/// </summary>
public sealed class AuditChainChecker
{
    private readonly AuditCheckpoint[] _checkpoints;
    private readonly byte[] _previousHash = new byte[AuditCanonical.HashLength];
    private int _previousHashLength = AuditCanonical.HashLength;
    private int _nextCheckpoint;
    private long _expected = 1;

    /// <param name="trustedCheckpoints">Checkpoints whose signatures hold.</param>
    public AuditChainChecker(IEnumerable<AuditCheckpoint> trustedCheckpoints)
    {
        ArgumentNullException.ThrowIfNull(trustedCheckpoints);
        _checkpoints = [.. trustedCheckpoints.OrderBy(c => c.LastSequence).ThenBy(c => c.Number)];
    }

    /// <summary>Records accepted so far (all of them intact).</summary>
    public long Checked { get; private set; }

    public AuditIntegrityFailure? Failure { get; private set; }

    /// <summary>False once a failure was found (further records are ignored).</summary>
    public bool Accept(long sequence, ReadOnlySpan<byte> previousHash, ReadOnlySpan<byte> hash, bool contentMatches)
    {
        if (Failure is not null)
        {
            return false;
        }

        if (sequence != _expected)
        {
            Failure = sequence > _expected
                ? Fail(AuditIntegrityProblem.RecordMissing, _expected, sequence == _expected + 1
                    ? $"record missing: record {_expected} is not in the log (it was deleted)"
                    : $"record missing: records {_expected} to {sequence - 1} are not in the log (they were deleted)")
                : Fail(AuditIntegrityProblem.RecordMissing, sequence, $"record {sequence} appears out of order after {_expected - 1}");
            return false;
        }

        if (!contentMatches)
        {
            Failure = Fail(AuditIntegrityProblem.ContentChanged, sequence,
                $"content changed: record {sequence} no longer matches its hash (it was edited after it was written)");
            return false;
        }

        if (!previousHash.SequenceEqual(_previousHash.AsSpan(0, _previousHashLength)))
        {
            Failure = Fail(AuditIntegrityProblem.LinkBroken, sequence, sequence == 1
                ? "chain link broken: record 1 does not start from the empty hash (it was replaced and re-hashed)"
                : $"chain link broken: record {sequence} does not link to record {sequence - 1} (one of them was replaced and re-hashed)");
            return false;
        }

        while (_nextCheckpoint < _checkpoints.Length && _checkpoints[_nextCheckpoint].LastSequence < sequence)
        {
            _nextCheckpoint++; // only a checkpoint of an empty log (sequence 0) can be behind the first record
        }

        while (_nextCheckpoint < _checkpoints.Length && _checkpoints[_nextCheckpoint].LastSequence == sequence)
        {
            var checkpoint = _checkpoints[_nextCheckpoint++];
            if (!hash.SequenceEqual(checkpoint.LastHash))
            {
                Failure = new(AuditIntegrityProblem.CheckpointMismatch, sequence, checkpoint.Number,
                    $"checkpoint mismatch: record {sequence} is not the record checkpoint #{checkpoint.Number} signed (the log up to it was rewritten)")
                { Position = sequence };
                return false;
            }
        }

        // A checkpoint pointing at a record we skipped past cannot happen without a gap, which was reported above.
        hash.CopyTo(_previousHash);
        _previousHashLength = Math.Min(hash.Length, _previousHash.Length);
        _expected++;
        Checked++;
        return true;
    }

    /// <summary>After the last record: does the log reach the last checkpoint and the chain head?</summary>
    public AuditIntegrityFailure? Complete(long chainHeadSequence)
    {
        if (Failure is not null)
        {
            return Failure;
        }

        var last = _expected - 1;
        var lastCheckpoint = _checkpoints.Length == 0 ? null : _checkpoints[^1];
        if (lastCheckpoint is not null && lastCheckpoint.LastSequence > last)
        {
            Failure = new(AuditIntegrityProblem.NewestRecordsMissing, last + 1, lastCheckpoint.Number,
                $"records after the last checkpoint missing: checkpoint #{lastCheckpoint.Number} signed the log up to record {lastCheckpoint.LastSequence}, " +
                $"but it ends at record {last} (the newest records were deleted)")
            { Position = last + 1 };
        }
        else if (chainHeadSequence > last)
        {
            Failure = Fail(AuditIntegrityProblem.NewestRecordsMissing, last + 1,
                $"newest records missing: the chain head says the log ends at record {chainHeadSequence}, but it ends at record {last} (the newest records were deleted)");
        }

        return Failure;
    }

    /// <summary>The earlier of two failures by position in the log (a record problem before a checkpoint problem at the same place).</summary>
    public static AuditIntegrityFailure? First(AuditIntegrityFailure? records, AuditIntegrityFailure? checkpoints) =>
        records is null ? checkpoints
        : checkpoints is null ? records
        : checkpoints.Position < records.Position ? checkpoints : records;

    private static AuditIntegrityFailure Fail(string problem, long sequence, string reason) => new(problem, sequence, null, reason) { Position = sequence };
}
