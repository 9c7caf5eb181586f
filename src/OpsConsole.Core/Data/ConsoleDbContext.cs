using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.ApiTokens;
using OpsConsole.Core.Identity.Displays;
using OpsConsole.Core.Identity.Sessions;

namespace OpsConsole.Core.Data;

/// <summary>The console's own database: identity now, each capability's tables as they arrive (schema "console").</summary>
public sealed class ConsoleDbContext(DbContextOptions<ConsoleDbContext> options)
    : IdentityDbContext<ConsoleUser, IdentityRole, string>(options), IDataProtectionKeyContext
{
    public const string Schema = "console";

    private readonly List<Action> _afterCommit = [];

    /// <summary>
    /// Runs <paramref name="action"/> once the current transaction commits (at once when there is none): live events
    /// about a change must not reach other circuits before the change is visible, nor at all if it rolls back.
    /// </summary>
    public void OnCommitted(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Database.CurrentTransaction is null)
        {
            action();
        }
        else
        {
            _afterCommit.Add(action);
        }
    }

    internal void RunCommitted(bool committed)
    {
        var actions = _afterCommit.ToArray();
        _afterCommit.Clear();
        if (committed)
        {
            foreach (var action in actions)
            {
                action();
            }
        }
    }

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    /// <summary>Audit records written in an action's own transaction, waiting for the chain writer.</summary>
    public DbSet<Audit.AuditInboxItem> AuditInbox => Set<Audit.AuditInboxItem>();

    /// <summary>The tamper-evident audit log (append-only for the runtime role).</summary>
    public DbSet<Audit.AuditRecord> AuditLog => Set<Audit.AuditRecord>();

    public DbSet<Audit.AuditCheckpoint> AuditCheckpoints => Set<Audit.AuditCheckpoint>();

    public DbSet<Audit.AuditSigningKey> AuditSigningKeys => Set<Audit.AuditSigningKey>();

    public DbSet<DisplayDevice> DisplayDevices => Set<DisplayDevice>();

    public DbSet<UserSession> UserSessions => Set<UserSession>();

    /// <summary>Alerts (current and history), their timelines, silences and outward notifications (Core/Alerts).</summary>
    public DbSet<StoredAlert> StoredAlerts => Set<StoredAlert>();

    public DbSet<AlertTimelineEntry> AlertTimeline => Set<AlertTimelineEntry>();

    public DbSet<StoredSilence> Silences => Set<StoredSilence>();

    public DbSet<AlertNotification> AlertNotifications => Set<AlertNotification>();

    /// <summary>The ASP.NET Core Data Protection key ring: cookies stay valid across restarts and instances.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.HasDefaultSchema(Schema);
        Audit.AuditModel.Configure(builder);
        AlertStoreModel.Configure(builder);
        builder.Entity<ConsoleUser>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
        });
        builder.Entity<ApiToken>(token =>
        {
            token.ToTable("ApiTokens");
            token.HasKey(t => t.Id);
            token.Property(t => t.Name).HasMaxLength(100);
            token.Property(t => t.DisplayPrefix).HasMaxLength(20);
            token.Property(t => t.RevokedBy).HasMaxLength(256);
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasOne<ConsoleUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<DisplayDevice>(device =>
        {
            device.ToTable("DisplayDevices");
            device.HasKey(d => d.Id);
            device.Property(d => d.Name).HasMaxLength(DisplayDeviceService.MaxNameLength);
            device.Property(d => d.CreatedBy).HasMaxLength(256);
            device.Property(d => d.RevokedBy).HasMaxLength(256);
            device.Property(d => d.LastSeenIp).HasMaxLength(64);
            device.Property(d => d.UserAgent).HasMaxLength(512);
            device.Property(d => d.Stamp).HasMaxLength(64);
            device.HasIndex(d => d.PairingCodeHash).IsUnique(); // PostgreSQL allows many NULLs: used codes are cleared
        });
        builder.Entity<UserSession>(session =>
        {
            session.ToTable("UserSessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.IpAddress).HasMaxLength(64);
            session.Property(s => s.UserAgent).HasMaxLength(512);
            session.Property(s => s.SecurityStamp).HasMaxLength(256);
            session.Property(s => s.EndedReason).HasMaxLength(200);
            session.Property(s => s.EndedBy).HasMaxLength(256);
            session.HasIndex(s => new { s.UserId, s.EndedAt });
            session.HasOne<ConsoleUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
