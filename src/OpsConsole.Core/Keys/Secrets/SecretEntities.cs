using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Keys.Secrets;

/// <summary>
/// One recorded rotation of a declared secret (table <c>secret_rotations</c>, append-only): when the operator says it was
/// rotated, when and by whom that was recorded, and an optional note. There is deliberately no column for the value.
/// </summary>
public sealed class SecretRotationRecord
{
    public long Id { get; set; }

    public string Secret { get; set; } = "";

    public DateTimeOffset RotatedAt { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public string RecordedBy { get; set; } = "";

    public string? Note { get; set; }
}

/// <summary>
/// When the console first saw a secret declared (table <c>secret_declarations</c>): the baseline of a secret with no
/// recorded rotation, which counts as overdue one RotationPeriod after it.
/// </summary>
public sealed class SecretDeclaration
{
    public string Secret { get; set; } = "";

    public DateTimeOffset FirstDeclaredAt { get; set; }
}

/// <summary>A rotation of <paramref name="Secret"/> was recorded (on any instance).</summary>
public sealed record SecretsChanged(string Secret);

public static class SecretTopics
{
    /// <summary>Distributed: every instance's pages, gauges and board items follow a record made on any.</summary>
    public static LiveTopic<SecretsChanged> Changed { get; } = new("keys.secrets.changed", Distributed: true);
}

internal sealed class SecretModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<SecretRotationRecord>(rotation =>
        {
            rotation.ToTable("secret_rotations");
            rotation.HasKey(r => r.Id);
            rotation.Property(r => r.Id).UseIdentityAlwaysColumn();
            rotation.Property(r => r.Secret).HasMaxLength(KeyRings.MaxNameLength);
            rotation.Property(r => r.RecordedBy).HasMaxLength(256);
            rotation.Property(r => r.Note).HasMaxLength(SecretsService.MaxNoteLength);
            rotation.HasIndex(r => new { r.Secret, r.RotatedAt }).HasDatabaseName("ix_secret_rotations_secret");
            SnakeCaseColumns.Apply(rotation);
        });
        builder.Entity<SecretDeclaration>(declaration =>
        {
            declaration.ToTable("secret_declarations");
            declaration.HasKey(d => d.Secret);
            declaration.Property(d => d.Secret).HasMaxLength(KeyRings.MaxNameLength);
            SnakeCaseColumns.Apply(declaration);
        });
    }
}

/// <summary>The secrets inventory's tables as DbSets of the console's context.</summary>
public static class SecretDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<SecretRotationRecord> SecretRotations => db.Set<SecretRotationRecord>();

        public DbSet<SecretDeclaration> SecretDeclarations => db.Set<SecretDeclaration>();
    }
}
