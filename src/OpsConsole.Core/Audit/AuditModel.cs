using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit;

/// <summary>EF mapping of the audit tables: snake_case, because the chain writer and benchmarks use them from raw SQL and COPY.</summary>
internal sealed class AuditModel : IConsoleModel
{
    public void Configure(ModelBuilder builder)
    {
        builder.Entity<AuditInboxItem>(inbox =>
        {
            inbox.ToTable("audit_inbox");
            inbox.HasKey(i => i.Id);
            inbox.Property(i => i.Id).UseIdentityAlwaysColumn();
            Fields(inbox);
        });
        builder.Entity<AuditRecord>(log =>
        {
            log.ToTable("audit_log");
            log.HasKey(r => r.Sequence);
            log.Property(r => r.Sequence).ValueGeneratedNever();
            log.Property(r => r.PreviousHash).IsRequired();
            log.Property(r => r.Hash).IsRequired();
            Fields(log);
            log.HasIndex(r => r.OccurredAt);
        });
        builder.Entity<AuditChainHead>(head =>
        {
            head.ToTable("audit_chain_head");
            head.HasKey(h => h.Id);
            head.Property(h => h.Id).ValueGeneratedNever();
            head.HasData(new AuditChainHead { Id = 1, LastSequence = 0, LastHash = new byte[AuditCanonical.HashLength] });
            SnakeCaseColumns.Apply(head);
        });
        builder.Entity<AuditCheckpoint>(checkpoint =>
        {
            checkpoint.ToTable("audit_checkpoints");
            checkpoint.HasKey(c => c.Number);
            checkpoint.Property(c => c.Number).ValueGeneratedNever();
            checkpoint.Property(c => c.KeyId).HasMaxLength(64);
            SnakeCaseColumns.Apply(checkpoint);
        });
        builder.Entity<AuditSigningKey>(key =>
        {
            key.ToTable("audit_signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(64);
            SnakeCaseColumns.Apply(key);
        });
    }

    private static void Fields<T>(EntityTypeBuilder<T> entity) where T : AuditFields
    {
        entity.Property(e => e.ActorType).HasMaxLength(16);
        entity.Property(e => e.ActorId).HasMaxLength(256);
        entity.Property(e => e.ActorName).HasMaxLength(256);
        entity.Property(e => e.Action).HasMaxLength(128);
        entity.Property(e => e.TargetType).HasMaxLength(64);
        entity.Property(e => e.TargetId).HasMaxLength(256);
        entity.Property(e => e.Outcome).HasMaxLength(16);
        entity.Property(e => e.ClientIp).HasMaxLength(64);
        entity.Property(e => e.CorrelationId).HasMaxLength(128);
        entity.Property(e => e.Details).HasColumnType("jsonb");
        SnakeCaseColumns.Apply(entity);
    }
}

/// <summary>The audit tables as DbSets of the console's context.</summary>
public static class AuditDbSets
{
    extension(ConsoleDbContext db)
    {
        /// <summary>Audit records written in an action's own transaction, waiting for the chain writer.</summary>
        public DbSet<AuditInboxItem> AuditInbox => db.Set<AuditInboxItem>();

        /// <summary>The tamper-evident audit log (append-only for the runtime role).</summary>
        public DbSet<AuditRecord> AuditLog => db.Set<AuditRecord>();

        public DbSet<AuditCheckpoint> AuditCheckpoints => db.Set<AuditCheckpoint>();

        public DbSet<AuditSigningKey> AuditSigningKeys => db.Set<AuditSigningKey>();
    }
}
