using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Keyed pseudonyms for data subjects' identifiers, so their personal data is never written to the audit log in clear:
/// <c>hmac:v1:&lt;hex&gt;</c> = HMAC-SHA256(secret, UTF-8(kind) ‖ 0x00 ‖ UTF-8(identifier)). The secret is 32 random
/// bytes made once per console database, protected with Data Protection and kept as the row
/// <see cref="KeyId"/> of <c>console.audit_signing_keys</c> (empty public key; append-only, never replaced), so a
/// pseudonym is the same on every instance and after restarts, and the same person can be found again by
/// pseudonymizing the identifier once more. Callers normalize identifiers first (e.g. trim and lower-case an e-mail
/// address); the kind ("email", "customer-id") keeps equal values of different kinds apart.
/// </summary>
public sealed partial class AuditPseudonymizer(
    ConsoleConnectionStrings connections,
    IDataProtectionProvider dataProtection,
    ILogger<AuditPseudonymizer> logger)
{
    public const string KeyId = "pseudonym-hmac-v1";
    public const string Prefix = "hmac:v1:";
    public const string ProtectorPurpose = "OpsConsole.Audit.PseudonymKey.v1";

    private readonly Lock _gate = new();
    private byte[]? _secret;

    public string Pseudonymize(string kind, string identifier)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(identifier);
        if (kind.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A pseudonym kind cannot contain NUL.", nameof(kind));
        }

        var secret = Volatile.Read(ref _secret) ?? Load();
        var input = new byte[Encoding.UTF8.GetByteCount(kind) + 1 + Encoding.UTF8.GetByteCount(identifier)];
        var written = Encoding.UTF8.GetBytes(kind, input);
        input[written] = 0;
        Encoding.UTF8.GetBytes(identifier, input.AsSpan(written + 1));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, input, mac);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>Loads (or, on a new database, creates) the secret now instead of at the first call.</summary>
    public void EnsureLoaded() => _ = Volatile.Read(ref _secret) ?? Load();

    // Synchronous on purpose: Pseudonymize is a plain function, and this runs once per process.
    private byte[] Load()
    {
        lock (_gate)
        {
            if (_secret is not null)
            {
                return _secret;
            }

            var protector = dataProtection.CreateProtector(ProtectorPurpose);
            using var connection = NamedDataSources.CreateConnection(connections.Runtime, NamedDataSources.Console);
            connection.Open();
            var candidate = RandomNumberGenerator.GetBytes(32);
            using (var insert = new NpgsqlCommand(
                       "INSERT INTO console.audit_signing_keys (id, created_at, public_key, protected_private_key) VALUES (@id, now(), ''::bytea, @secret) ON CONFLICT (id) DO NOTHING",
                       connection))
            {
                insert.Parameters.AddWithValue("id", KeyId);
                insert.Parameters.AddWithValue("secret", protector.Protect(candidate));
                if (insert.ExecuteNonQuery() == 1)
                {
                    LogCreated(KeyId);
                }
            }

            // Whoever inserted first won; everyone uses the stored secret.
            using var select = new NpgsqlCommand("SELECT protected_private_key FROM console.audit_signing_keys WHERE id = @id", connection);
            select.Parameters.AddWithValue("id", KeyId);
            var stored = (byte[])select.ExecuteScalar()!;
            try
            {
                _secret = protector.Unprotect(stored);
            }
            catch (CryptographicException ex)
            {
                // Never replace it: new pseudonyms would no longer match the ones already in the log.
                throw new InvalidOperationException(
                    $"The audit pseudonym secret ({KeyId}) cannot be unprotected: the Data Protection key ring that protected it is gone. Restore console.\"DataProtectionKeys\" from a backup.",
                    ex);
            }

            CryptographicOperations.ZeroMemory(candidate);
            return _secret;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit pseudonym secret {KeyId} created")]
    private partial void LogCreated(string keyId);
}
