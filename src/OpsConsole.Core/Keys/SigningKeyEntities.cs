using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Keys;

/// <summary>
/// One key version of a ring (table <c>signing_keys</c>): its public JWK in clear, its PKCS#8 private key protected with
/// Data Protection (<see cref="KeyRingStore.PrivateKeyPurpose"/>), and the instants of its windows (<see cref="KeyVersion"/>).
/// The protected bytes never leave <see cref="KeyRingStore"/>: views and DTOs are <see cref="SigningKeyView"/>.
/// </summary>
public sealed class StoredSigningKey
{
    public string Ring { get; set; } = "";

    /// <summary>The RFC 7638 thumbprint of the public key.</summary>
    public string Kid { get; set; } = "";

    public string Algorithm { get; set; } = "";

    /// <summary>The <see cref="PublicJwk"/> as JSON (jsonb).</summary>
    public string PublicJwk { get; set; } = "{}";

    public byte[] ProtectedPrivateKey { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset PublishAt { get; set; }

    public DateTimeOffset ActivateAt { get; set; }

    public DateTimeOffset? RetireAt { get; set; }

    public DateTimeOffset? RemoveAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public string CreatedBy { get; set; } = "";
}

/// <summary>A stored key as everything outside the store sees it: no private part.</summary>
public sealed record SigningKeyView(string Ring, string Kid, string Algorithm, PublicJwk PublicJwk, KeyVersion Version, string CreatedBy);

/// <summary>A ring's keys changed (created, rotated, revoked); every instance's <see cref="JwksCache"/> rebuilds.</summary>
public sealed record KeysChanged(string Ring);

public static class KeyTopics
{
    /// <summary>Distributed: the JWKS of every instance follows a change made on any.</summary>
    public static LiveTopic<KeysChanged> Changed { get; } = new("keys.changed", Distributed: true);

    /// <summary>
    /// Local: KeyWatch's look at a ring's consumers (the scraped jwt_* counters) came out different; the payload is the
    /// ring. Each instance scrapes and looks for itself, so this never crosses instances.
    /// </summary>
    public static LiveTopic<string> ConsumersChanged { get; } = new("keys.consumers.changed");
}

internal sealed class SigningKeyModel : IConsoleModel
{
    public void Configure(ModelBuilder builder) =>
        builder.Entity<StoredSigningKey>(key =>
        {
            key.ToTable("signing_keys");
            key.HasKey(k => new { k.Ring, k.Kid });
            key.Property(k => k.Ring).HasMaxLength(KeyRings.MaxNameLength);
            key.Property(k => k.Kid).HasMaxLength(64);
            key.Property(k => k.Algorithm).HasMaxLength(16);
            key.Property(k => k.PublicJwk).HasColumnType("jsonb");
            key.Property(k => k.CreatedBy).HasMaxLength(256);
            SnakeCaseColumns.Apply(key);
        });
}

/// <summary>The signing key table as a DbSet of the console's context.</summary>
public static class SigningKeyDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredSigningKey> SigningKeys => db.Set<StoredSigningKey>();
    }
}
