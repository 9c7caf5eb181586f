using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Writes signed checkpoints. Under the chain head's row lock (the chain writer's lock, so no record is appended
/// meanwhile) it reads the head, skips when nothing is new since the previous checkpoint, builds the next one
/// (number + 1, chained to the previous hash), signs it and inserts it, with its own audit record, in one transaction.
/// Callers authorize first (<see cref="AuditIntegrityService"/>); the scheduler calls it as the system.
/// </summary>
public sealed class AuditCheckpointService(
    ConsoleDbContext db,
    AuditSigningKeyStore keys,
    AuditChainWriter chain,
    AuditedActions actions,
    TimeProvider time)
{
    public const string CreatedAction = "audit.checkpoint.created";

    /// <summary>Writes a checkpoint as the system; null when nothing is new since the previous one.</summary>
    public Task<AuditCheckpoint?> CreateAsync(CancellationToken cancellationToken = default) => CreateAsync(AuditActors.System, cancellationToken);

    public async Task<AuditCheckpoint?> CreateAsync(ClaimsPrincipal actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var signer = await keys.GetCurrentAsync(cancellationToken); // before the head lock: never hold it while a key is made
        // Cover everything committed so far: actions whose records still wait in the inbox are chained first.
        await chain.DrainAsync(cancellationToken);
        return await actions.RunAsync<AuditCheckpoint?>(actor, async act =>
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            var transaction = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
            long headSequence;
            byte[] headHash;
            string? headAction;
            string? headTarget;
            await using (var head = new NpgsqlCommand(
                             """
                             SELECT h.last_sequence, h.last_hash, l.action, l.target_id
                             FROM console.audit_chain_head h LEFT JOIN console.audit_log l ON l.sequence = h.last_sequence
                             WHERE h.id = 1 FOR UPDATE OF h
                             """,
                             connection, transaction))
            await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    throw new InvalidOperationException("The audit chain head row is missing.");
                }

                headSequence = reader.GetInt64(0);
                headHash = (byte[])reader[1];
                headAction = reader.IsDBNull(2) ? null : reader.GetString(2);
                headTarget = reader.IsDBNull(3) ? null : reader.GetString(3);
            }

            // Read after the lock: a checkpoint another instance committed while we waited is seen here.
            var previous = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Number).FirstOrDefaultAsync(cancellationToken);
            var headIsPreviousCheckpointRecord = previous is not null && headAction == CreatedAction
                && headTarget == previous.Number.ToString(CultureInfo.InvariantCulture);
            if (!AuditCheckpointChain.HasNews(previous, headSequence, headIsPreviousCheckpointRecord))
            {
                return null;
            }

            var checkpoint = AuditCheckpointChain.Next(previous, headSequence, headHash, time.GetUtcNow(), signer.KeyId);
            signer.Sign(checkpoint);
            db.AuditCheckpoints.Add(checkpoint);
            await db.SaveChangesAsync(cancellationToken);
            db.Entry(checkpoint).State = EntityState.Detached;
            await act.RecordAsync(CreatedAction, "audit_checkpoint", checkpoint.Number.ToString(CultureInfo.InvariantCulture),
                ("lastSequence", checkpoint.LastSequence.ToString(CultureInfo.InvariantCulture)),
                ("keyId", checkpoint.KeyId),
                ("hash", Convert.ToHexStringLower(checkpoint.Hash)));
            act.Publish(AuditIntegrityTopics.CheckpointCreated, checkpoint.Number);
            return checkpoint;
        }, cancellationToken);
    }

    /// <summary>The newest checkpoints first.</summary>
    public async Task<IReadOnlyList<AuditCheckpoint>> ListAsync(int limit = 100, CancellationToken cancellationToken = default) =>
        await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Number).Take(Math.Clamp(limit, 1, 10_000)).ToListAsync(cancellationToken);
}

/// <summary>Raw reads of the checkpoint table (the verifier streams outside EF, in its own snapshot).</summary>
public static class AuditCheckpointStore
{
    public static async Task<List<AuditCheckpoint>> ReadAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var checkpoints = new List<AuditCheckpoint>();
        await using var command = new NpgsqlCommand(
            "SELECT number, created_at, last_sequence, last_hash, previous_checkpoint_hash, key_id, signature, hash FROM console.audit_checkpoints ORDER BY number",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            checkpoints.Add(new AuditCheckpoint
            {
                Number = reader.GetInt64(0),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                LastSequence = reader.GetInt64(2),
                LastHash = (byte[])reader[3],
                PreviousCheckpointHash = (byte[])reader[4],
                KeyId = reader.GetString(5),
                Signature = (byte[])reader[6],
                Hash = (byte[])reader[7],
            });
        }

        return checkpoints;
    }

    /// <summary>
    /// Checks every checkpoint's signature with the public key it names (keys are never deleted, so checkpoints signed
    /// before a rotation still verify). Returns how many each key signed, and the numbers of those that do not verify.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, int> ByKey, IReadOnlyList<long> Failed)> VerifySignaturesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT id, public_key FROM console.audit_signing_keys WHERE length(public_key) > 0", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                keys[reader.GetString(0)] = (byte[])reader[1];
            }
        }

        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        var failed = new List<long>();
        foreach (var checkpoint in await ReadAllAsync(connection, cancellationToken))
        {
            byKey[checkpoint.KeyId] = byKey.GetValueOrDefault(checkpoint.KeyId) + 1;
            if (!keys.TryGetValue(checkpoint.KeyId, out var key) || !AuditCheckpointSigning.Verify(checkpoint, key))
            {
                failed.Add(checkpoint.Number);
            }
        }

        return (byKey, failed);
    }
}
