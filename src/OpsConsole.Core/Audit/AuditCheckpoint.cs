using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Core.Audit;

/// <summary>
/// A signed statement "the log had <see cref="LastSequence"/> records ending in <see cref="LastHash"/>", chained to
/// the previous checkpoint: deleting the newest records, or a checkpoint, is then detectable too.
/// </summary>
public sealed class AuditCheckpoint
{
    public long Number { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public long LastSequence { get; set; }

    public byte[] LastHash { get; set; } = [];

    public byte[] PreviousCheckpointHash { get; set; } = [];

    public string KeyId { get; set; } = "";

    /// <summary>ECDSA P-256 over SHA-256 of <see cref="AuditCheckpointSigning.Payload"/> (IEEE P1363 r||s).</summary>
    public byte[] Signature { get; set; } = [];

    /// <summary>SHA-256 of the payload; the next checkpoint's <see cref="PreviousCheckpointHash"/>.</summary>
    public byte[] Hash { get; set; } = [];
}

/// <summary>The signing key: public part in clear, private part protected with ASP.NET Core Data Protection.</summary>
public sealed class AuditSigningKey
{
    public string Id { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>SubjectPublicKeyInfo (DER).</summary>
    public byte[] PublicKey { get; set; } = [];

    /// <summary>PKCS#8 private key, encrypted by Data Protection (purpose <see cref="AuditCheckpointSigning.ProtectorPurpose"/>).</summary>
    public byte[] ProtectedPrivateKey { get; set; } = [];
}

public static class AuditCheckpointSigning
{
    public const string ProtectorPurpose = "OpsConsole.Audit.CheckpointSigningKey.v1";

    /// <summary>The bytes that are hashed and signed; fixed format (pinned by tests).</summary>
    public static byte[] Payload(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var text = string.Join('|',
            "opsconsole-audit-checkpoint-v1",
            checkpoint.Number.ToString(CultureInfo.InvariantCulture),
            checkpoint.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            checkpoint.LastSequence.ToString(CultureInfo.InvariantCulture),
            Convert.ToHexStringLower(checkpoint.LastHash),
            Convert.ToHexStringLower(checkpoint.PreviousCheckpointHash),
            checkpoint.KeyId);
        return Encoding.UTF8.GetBytes(text);
    }

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    /// <summary>Fills in hash and signature.</summary>
    public static void Sign(AuditCheckpoint checkpoint, ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(key);
        var payload = Payload(checkpoint);
        checkpoint.Hash = SHA256.HashData(payload);
        checkpoint.Signature = key.SignData(payload, HashAlgorithmName.SHA256);
    }

    public static bool Verify(AuditCheckpoint checkpoint, byte[] subjectPublicKeyInfo)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var payload = Payload(checkpoint);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(payload), checkpoint.Hash)
            && key.VerifyData(payload, checkpoint.Signature, HashAlgorithmName.SHA256);
    }
}
