using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>A checkpoint signing key as the Keys page shows it: no private part.</summary>
public sealed record AuditSigningKeyInfo(string Id, DateTimeOffset CreatedAt, long Checkpoints, DateTimeOffset? LastCheckpointAt);

/// <summary>The current checkpoint signing key, loaded or created once per process. Signing is serialized (one key object).</summary>
public sealed class AuditCheckpointSigner(string keyId, ECDsa key)
{
    private readonly Lock _gate = new();

    public string KeyId { get; } = keyId;

    /// <summary>Sets <see cref="AuditCheckpoint.KeyId"/>, then hash and signature.</summary>
    public void Sign(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.KeyId = KeyId;
        lock (_gate)
        {
            AuditCheckpointSigning.Sign(checkpoint, key);
        }
    }
}

/// <summary>
/// The checkpoint signing key (ECDSA P-256), generated on first need. Its public key is stored in clear and its
/// PKCS#8 private key protected with Data Protection (whose key ring is in PostgreSQL, so every instance can use it),
/// in one row of the append-only <c>console.audit_signing_keys</c>, never updated. Two instances creating it at once
/// take turns on an advisory lock, and the insert is ON CONFLICT DO NOTHING; both then use the newest key row.
/// If the private key can no longer be unprotected (the key ring was lost), a new key is created beside the old
/// one: old checkpoints still verify with the old public key.
/// </summary>
public sealed partial class AuditSigningKeyStore : IDisposable
{
    /// <summary>Advisory lock around key creation ("OpsCon" + 0x0A01).</summary>
    public const long CreationLockKey = 0x4F70_7343_6F6E_0A01;

    /// <summary>A rotation on any instance: the others drop their key and read the newest at their next checkpoint.</summary>
    public static LiveTopic<string> Rotated { get; } = new("audit.checkpoint_key.rotated", Distributed: true);

    private readonly ConsoleConnectionStrings connections;
    private readonly IDataProtectionProvider dataProtection;
    private readonly TimeProvider time;
    private readonly ILogger<AuditSigningKeyStore> logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IDisposable? _rotations;

    // Keys replaced by a rotation are not disposed: a checkpoint on another thread may still be signing with one.
    private readonly List<ECDsa> _keys = [];
    private AuditCheckpointSigner? _current;

    public AuditSigningKeyStore(
        ConsoleConnectionStrings connections, IDataProtectionProvider dataProtection, TimeProvider time, ILogger<AuditSigningKeyStore> logger, ILiveEvents? live = null)
    {
        this.connections = connections;
        this.dataProtection = dataProtection;
        this.time = time;
        this.logger = logger;
        _rotations = live?.Subscribe(Rotated, e =>
        {
            if (Volatile.Read(ref _current)?.KeyId != e.Payload)
            {
                Volatile.Write(ref _current, null);
            }

            return Task.CompletedTask;
        });
    }

    public async Task<AuditCheckpointSigner> GetCurrentAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _current) is { } current)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is not null)
            {
                return _current;
            }

            var protector = dataProtection.CreateProtector(AuditCheckpointSigning.ProtectorPurpose);
            await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({CreationLockKey})", connection, transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            var newest = await ReadNewestAsync(connection, transaction, cancellationToken);
            ECDsa? key = null;
            if (newest is not null)
            {
                key = TryOpen(newest, protector);
            }

            if (key is null)
            {
                var previousId = newest?.Id;
                (newest, key) = await CreateAsync(connection, transaction, protector, cancellationToken);
                LogCreated(newest.Id, previousId);
            }

            await transaction.CommitAsync(cancellationToken);
            _keys.Add(key);
            _current = new AuditCheckpointSigner(newest!.Id, key);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Rotates: a new key row beside the old ones (never updated or deleted, so every checkpoint still verifies with the
    /// public key it names), signing from now on this instance and, after <see cref="Rotated"/>, on the others.
    /// </summary>
    public async Task<(string KeyId, string? PreviousKeyId)> RotateAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var protector = dataProtection.CreateProtector(AuditCheckpointSigning.ProtectorPurpose);
            await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({CreationLockKey})", connection, transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            var previous = await ReadNewestAsync(connection, transaction, cancellationToken);
            var (row, key) = await CreateAsync(connection, transaction, protector, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            _keys.Add(key);
            Volatile.Write(ref _current, new AuditCheckpointSigner(row.Id, key));
            LogCreated(row.Id, previous?.Id);
            return (row.Id, previous?.Id);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every signing key, newest first, with how many checkpoints each signed (public parts only).</summary>
    public async Task<IReadOnlyList<AuditSigningKeyInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
        await connection.OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand(
            """
            SELECT k.id, k.created_at, count(c.number), max(c.created_at)
            FROM console.audit_signing_keys k LEFT JOIN console.audit_checkpoints c ON c.key_id = k.id
            WHERE length(k.public_key) > 0
            GROUP BY k.id, k.created_at ORDER BY k.created_at DESC, k.id
            """, connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var keys = new List<AuditSigningKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new AuditSigningKeyInfo(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return keys;
    }

    private async Task<(AuditSigningKey Row, ECDsa Key)> CreateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IDataProtector protector, CancellationToken cancellationToken)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = key.ExportSubjectPublicKeyInfo();
        var row = new AuditSigningKey
        {
            Id = AuditCheckpointSigning.KeyIdOf(publicKey),
            CreatedAt = AuditCanonical.ToStoredPrecision(time.GetUtcNow()),
            PublicKey = publicKey,
            ProtectedPrivateKey = protector.Protect(key.ExportPkcs8PrivateKey()),
        };
        await using var insert = new NpgsqlCommand(
            "INSERT INTO console.audit_signing_keys (id, created_at, public_key, protected_private_key) VALUES (@id, @at, @pub, @priv) ON CONFLICT (id) DO NOTHING",
            connection, transaction);
        insert.Parameters.AddWithValue("id", row.Id);
        insert.Parameters.AddWithValue("at", row.CreatedAt);
        insert.Parameters.AddWithValue("pub", row.PublicKey);
        insert.Parameters.AddWithValue("priv", row.ProtectedPrivateKey);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return (row, key);
    }

    private ECDsa? TryOpen(AuditSigningKey row, IDataProtector protector)
    {
        try
        {
            var key = ECDsa.Create();
            key.ImportPkcs8PrivateKey(protector.Unprotect(row.ProtectedPrivateKey), out _);
            if (!key.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(row.PublicKey))
            {
                key.Dispose();
                throw new CryptographicException("The private key does not belong to the stored public key.");
            }

            return key;
        }
        catch (CryptographicException ex)
        {
            LogUnusable(ex, row.Id);
            return null;
        }
    }

    /// <summary>The newest signing key row (rows without a public key, such as the pseudonymizer's secret, are not signing keys).</summary>
    private static async Task<AuditSigningKey?> ReadNewestAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT id, created_at, public_key, protected_private_key FROM console.audit_signing_keys WHERE length(public_key) > 0 ORDER BY created_at DESC, id LIMIT 1",
            connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new AuditSigningKey
            {
                Id = reader.GetString(0),
                CreatedAt = reader.GetFieldValue<DateTimeOffset>(1),
                PublicKey = (byte[])reader[2],
                ProtectedPrivateKey = (byte[])reader[3],
            }
            : null;
    }

    public void Dispose()
    {
        _rotations?.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit checkpoint signing key {KeyId} created (previous key: {PreviousKeyId})")]
    private partial void LogCreated(string keyId, string? previousKeyId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit checkpoint signing key {KeyId} cannot be opened (Data Protection key ring lost?); a new key is created, old checkpoints still verify with its public key")]
    private partial void LogUnusable(Exception exception, string keyId);
}
