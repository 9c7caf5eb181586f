using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// One episode of an alert (pending/firing until resolved) as stored: while it is not resolved it is the current alert
/// of its (source, fingerprint); once resolved it is history. Labels and annotations are JSON objects.
/// </summary>
public sealed class StoredAlert
{
    public long Id { get; set; }

    public string Source { get; set; } = "";

    public string Fingerprint { get; set; } = "";

    public string Name { get; set; } = "";

    public string Severity { get; set; } = "";

    public string Labels { get; set; } = "{}";

    public string Annotations { get; set; } = "{}";

    public string State { get; set; } = "";

    public DateTimeOffset ActiveAt { get; set; }

    public DateTimeOffset? FiredAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>Who resolved it by hand (ingested and console alerts only); null when its source resolved it.</summary>
    public string? ResolvedBy { get; set; }

    public double? Value { get; set; }

    public string? GeneratorUrl { get; set; }

    public string Origin { get; set; } = "";

    public string RuleKey { get; set; } = "";

    /// <summary>The sending Alertmanager's externalURL (ingested alerts).</summary>
    public string? ExternalUrl { get; set; }

    public string? AckBy { get; set; }

    public DateTimeOffset? AckAt { get; set; }

    public string? AckNote { get; set; }

    /// <summary>The silences that matched when it was last reconciled (the timeline's silenced/unsilenced entries follow this).</summary>
    public Guid[] SilencedBy { get; set; } = [];

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One entry of an alert's timeline, in order: state changes, acks, notes, silences, a manual resolve.</summary>
public sealed class AlertTimelineEntry
{
    public long Id { get; set; }

    public long AlertId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>One of <see cref="AlertTimelineKinds"/>.</summary>
    public string Kind { get; set; } = "";

    public string Actor { get; set; } = "";

    public string? FromState { get; set; }

    public string? ToState { get; set; }

    /// <summary>The note, the ack note, or the silence's comment.</summary>
    public string? Text { get; set; }

    public Guid? SilenceId { get; set; }
}

public static class AlertTimelineKinds
{
    public const string StateChanged = "state_changed";
    public const string Acknowledged = "acknowledged";
    public const string Unacknowledged = "unacknowledged";
    public const string Note = "note";
    public const string Silenced = "silenced";
    public const string Unsilenced = "unsilenced";
    public const string ResolvedManually = "resolved_manually";
}

/// <summary>A silence: matchers, window, comment, creator; expiring early sets <see cref="EndsAt"/> to that moment.</summary>
public sealed class StoredSilence
{
    public Guid Id { get; set; }

    /// <summary>JSON array of {name, op, value}.</summary>
    public string Matchers { get; set; } = "[]";

    public DateTimeOffset StartsAt { get; set; }

    public DateTimeOffset EndsAt { get; set; }

    public string Comment { get; set; } = "";

    public string CreatedBy { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public bool Maintenance { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string? ExpiredBy { get; set; }
}

/// <summary>
/// One outward notification of a receiver's alert group: queued while pending (one pending row per group, so changes
/// coalesce), then claimed by one instance, sent with retries, and kept as the delivery log.
/// </summary>
public sealed class AlertNotification
{
    public long Id { get; set; }

    public string Receiver { get; set; } = "";

    public string GroupKey { get; set; } = "";

    public string GroupLabels { get; set; } = "{}";

    /// <summary>One of <see cref="AlertNotificationStatus"/>.</summary>
    public string Status { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Not sent before this (the receiver's group wait), so alerts that arrive together go in one notification.</summary>
    public DateTimeOffset NotBefore { get; set; }

    public DateTimeOffset? ClaimedAt { get; set; }

    public string? ClaimedBy { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }

    public int Attempts { get; set; }

    public int? HttpStatus { get; set; }

    public string? Error { get; set; }

    public int AlertCount { get; set; }

    /// <summary>"firing" or "resolved": the payload's status.</summary>
    public string? PayloadStatus { get; set; }
}

public static class AlertNotificationStatus
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>Nothing to send when its turn came (every alert silenced, inhibited or resolved without send_resolved).</summary>
    public const string Skipped = "skipped";
}

/// <summary>EF mapping of the alert tables (snake_case: the store's conditional statements are raw SQL).</summary>
internal sealed class AlertStoreModel : IConsoleModel
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public void Configure(ModelBuilder builder)
    {
        builder.Entity<StoredAlert>(alert =>
        {
            alert.ToTable("alerts");
            alert.HasKey(a => a.Id);
            alert.Property(a => a.Id).UseIdentityAlwaysColumn();
            alert.Property(a => a.Source).HasMaxLength(16);
            alert.Property(a => a.Fingerprint).HasMaxLength(16);
            alert.Property(a => a.Name).HasMaxLength(256);
            alert.Property(a => a.Severity).HasMaxLength(64);
            alert.Property(a => a.Labels).HasColumnType("jsonb");
            alert.Property(a => a.Annotations).HasColumnType("jsonb");
            alert.Property(a => a.State).HasMaxLength(16);
            alert.Property(a => a.ResolvedBy).HasMaxLength(256);
            alert.Property(a => a.Origin).HasMaxLength(1024);
            alert.Property(a => a.RuleKey).HasMaxLength(512);
            alert.Property(a => a.AckBy).HasMaxLength(256);
            alert.Property(a => a.AckNote).HasMaxLength(AlertLimits.NoteLength);
            alert.Property(a => a.SilencedBy).HasDefaultValueSql("'{}'::uuid[]");
            SnakeCaseColumns.Apply(alert);
            // The database is the arbiter between instances: one current (unresolved) alert per source and fingerprint.
            alert.HasIndex(a => new { a.Source, a.Fingerprint }).IsUnique().HasFilter("state <> 'resolved'").HasDatabaseName("ix_alerts_current");
            alert.HasIndex(a => new { a.Source, a.Fingerprint, a.ActiveAt }).HasDatabaseName("ix_alerts_episode");
            alert.HasIndex(a => new { a.State, a.Id }).HasDatabaseName("ix_alerts_state");
            alert.HasIndex(a => a.ResolvedAt).HasDatabaseName("ix_alerts_resolved_at");
            alert.HasIndex(a => a.Labels).HasMethod("gin").HasOperators("jsonb_path_ops").HasDatabaseName("ix_alerts_labels");
        });
        builder.Entity<AlertTimelineEntry>(entry =>
        {
            entry.ToTable("alert_timeline");
            entry.HasKey(e => e.Id);
            entry.Property(e => e.Id).UseIdentityAlwaysColumn();
            entry.Property(e => e.Kind).HasMaxLength(32);
            entry.Property(e => e.Actor).HasMaxLength(256);
            entry.Property(e => e.FromState).HasMaxLength(16);
            entry.Property(e => e.ToState).HasMaxLength(16);
            entry.Property(e => e.Text).HasMaxLength(AlertLimits.NoteLength);
            SnakeCaseColumns.Apply(entry);
            entry.HasIndex(e => new { e.AlertId, e.Id }).HasDatabaseName("ix_alert_timeline_alert");
            entry.HasOne<StoredAlert>().WithMany().HasForeignKey(e => e.AlertId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<StoredSilence>(silence =>
        {
            silence.ToTable("silences");
            silence.HasKey(s => s.Id);
            silence.Property(s => s.Id).ValueGeneratedNever();
            silence.Property(s => s.Matchers).HasColumnType("jsonb");
            silence.Property(s => s.Comment).HasMaxLength(AlertLimits.NoteLength);
            silence.Property(s => s.CreatedBy).HasMaxLength(256);
            silence.Property(s => s.ExpiredBy).HasMaxLength(256);
            SnakeCaseColumns.Apply(silence);
            silence.HasIndex(s => s.EndsAt).HasDatabaseName("ix_silences_ends_at");
        });
        builder.Entity<AlertNotification>(notification =>
        {
            notification.ToTable("alert_notifications");
            notification.HasKey(n => n.Id);
            notification.Property(n => n.Id).UseIdentityAlwaysColumn();
            notification.Property(n => n.Receiver).HasMaxLength(128);
            notification.Property(n => n.GroupLabels).HasColumnType("jsonb");
            notification.Property(n => n.Status).HasMaxLength(16);
            notification.Property(n => n.ClaimedBy).HasMaxLength(64);
            notification.Property(n => n.PayloadStatus).HasMaxLength(16);
            SnakeCaseColumns.Apply(notification);
            // One pending notification per group: later changes ride along with it (ON CONFLICT DO NOTHING).
            notification.HasIndex(n => new { n.Receiver, n.GroupKey }).IsUnique().HasFilter("status = 'pending'").HasDatabaseName("ix_alert_notifications_pending");
            notification.HasIndex(n => new { n.Status, n.Id }).HasDatabaseName("ix_alert_notifications_status");
            notification.HasIndex(n => new { n.Receiver, n.GroupKey, n.Id }).HasDatabaseName("ix_alert_notifications_group");
            notification.HasIndex(n => n.CreatedAt).HasDatabaseName("ix_alert_notifications_created_at");
        });
    }
}

public static class AlertLimits
{
    /// <summary>Notes, ack notes and silence comments.</summary>
    public const int NoteLength = 2000;
}

/// <summary>Alerts (current and history), their timelines, silences and outward notifications as DbSets of the console's context.</summary>
public static class AlertDbSets
{
    extension(ConsoleDbContext db)
    {
        public DbSet<StoredAlert> StoredAlerts => db.Set<StoredAlert>();

        public DbSet<AlertTimelineEntry> AlertTimeline => db.Set<AlertTimelineEntry>();

        public DbSet<StoredSilence> Silences => db.Set<StoredSilence>();

        public DbSet<AlertNotification> AlertNotifications => db.Set<AlertNotification>();
    }
}
