using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Audit;

/// <summary>Settings under <c>Audit</c> for checkpoints and scheduled verification.</summary>
public sealed class AuditIntegrityOptions
{
    public const string Section = "Audit";

    /// <summary>How often the leader writes a signed checkpoint (skipped when nothing is new).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "31.00:00:00", ErrorMessage = "Audit:CheckpointInterval must be between 1 second and 31 days.")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the leader verifies the whole log.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "31.00:00:00", ErrorMessage = "Audit:VerifyInterval must be between 1 second and 31 days.")]
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>With no checkpoint (or no scheduled verification) yet, the first one runs this long after a leader starts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Audit:FirstRunDelay must be between 0 and 1 day.")]
    public TimeSpan FirstRunDelay { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed record AuditCheckpointCreation(bool Created, AuditCheckpoint? Checkpoint);

/// <summary>A past verification, as its <c>audit.verified</c> record tells it.</summary>
public sealed record AuditVerificationRecord(
    long Sequence, DateTimeOffset At, string Actor, string Trigger, bool Ok, long RecordsChecked, long CheckpointsChecked,
    double DurationSeconds, long? FirstBrokenSequence, string? Problem, string? Reason);

/// <summary>What the integrity page and the API use (a fake stands in for it in component tests).</summary>
public interface IAuditIntegrity
{
    /// <summary>This process's running verification, if any.</summary>
    AuditVerificationProgress? Running { get; }

    Task<AuditVerificationResult> VerifyAsync(ClaimsPrincipal caller, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken = default);

    Task<AuditCheckpointCreation> CreateCheckpointAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditCheckpoint>> ListCheckpointsAsync(ClaimsPrincipal caller, int limit = 100, CancellationToken cancellationToken = default);

    Task<AuditVerificationRecord?> LastScheduledVerificationAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default);
}

/// <summary>
/// Verification and checkpoints for people (policy <see cref="ConsolePolicies.AuditVerify"/>, checked here) and for
/// the scheduler (as the system). Every verification is audited (<c>audit.verified</c>: succeeded when intact, failed
/// with the first broken sequence and reason) and published on <see cref="AuditIntegrityTopics.Verified"/>, which
/// Alerts turns into the critical console alert <see cref="AlertName"/> (the next intact verification resolves it).
/// </summary>
public sealed partial class AuditIntegrityService(
    ConsoleDbContext db,
    AuditVerifier verifier,
    AuditCheckpointService checkpoints,
    AuditedActions actions,
    IOptions<AuditIntegrityOptions> options,
    TimeProvider time,
    ILogger<AuditIntegrityService> logger) : IAuditIntegrity
{
    public const string VerifiedAction = "audit.verified";
    public const string AlertName = "audit.integrity";

    /// <summary>Who may verify the log and write checkpoints, and how a refusal is recorded.</summary>
    public static readonly AccessRule Verify = new(
        ConsolePolicies.AuditVerify, "audit.integrity.access", "audit_log", "Verifying the audit log needs the Admin or Auditor role.");

    public AuditVerificationProgress? Running => verifier.Running;

    public async Task<AuditVerificationResult> VerifyAsync(ClaimsPrincipal caller, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Verify, cancellationToken);
        return await RunVerificationAsync(caller, AuditVerifier.TriggerManual, progress, cancellationToken);
    }

    /// <summary>The scheduled run (the scheduler is the system, not a person: no policy).</summary>
    public Task<AuditVerificationResult> VerifyScheduledAsync(CancellationToken cancellationToken = default) =>
        RunVerificationAsync(AuditActors.System, AuditVerifier.TriggerScheduled, null, cancellationToken);

    public async Task<AuditCheckpointCreation> CreateCheckpointAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Verify, cancellationToken);
        var checkpoint = await checkpoints.CreateAsync(caller, cancellationToken);
        return checkpoint is not null
            ? new AuditCheckpointCreation(true, checkpoint)
            : new AuditCheckpointCreation(false, (await checkpoints.ListAsync(1, cancellationToken)).FirstOrDefault());
    }

    public async Task<IReadOnlyList<AuditCheckpoint>> ListCheckpointsAsync(ClaimsPrincipal caller, int limit = 100, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Verify, cancellationToken);
        return await checkpoints.ListAsync(limit, cancellationToken);
    }

    public async Task<AuditVerificationRecord?> LastScheduledVerificationAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Verify, cancellationToken);
        return await LastVerificationAsync(scheduledOnly: true, cancellationToken);
    }

    /// <summary>
    /// The newest <c>audit.verified</c> record (only the scheduler's when <paramref name="scheduledOnly"/>), looked for
    /// within the last two verification intervals (at least a week) so a long log is not scanned to its start.
    /// </summary>
    public async Task<AuditVerificationRecord?> LastVerificationAsync(bool scheduledOnly, CancellationToken cancellationToken = default)
    {
        var lookBack = TimeSpan.FromTicks(Math.Max(options.Value.VerifyInterval.Ticks * 2, TimeSpan.FromDays(7).Ticks));
        var since = time.GetUtcNow() - lookBack;
        var query = db.AuditLog.AsNoTracking().Where(r => r.Action == VerifiedAction && r.OccurredAt >= since);
        if (scheduledOnly)
        {
            query = query.Where(r => r.ActorType == AuditActorType.System);
        }

        var record = await query.OrderByDescending(r => r.Sequence).FirstOrDefaultAsync(cancellationToken);
        return record is null ? null : ToVerificationRecord(record);
    }

    public static AuditVerificationRecord ToVerificationRecord(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var details = AuditCanonical.ParseDetails(record.Details);
        string? Get(string key) => details.TryGetValue(key, out var value) ? value : null;
        long? Long(string key) => long.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
        return new AuditVerificationRecord(
            record.Sequence,
            record.OccurredAt,
            record.ActorName,
            Get("trigger") ?? "",
            record.Outcome == AuditOutcome.Succeeded,
            Long("recordsChecked") ?? 0,
            Long("checkpointsChecked") ?? 0,
            double.TryParse(Get("durationSeconds"), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : 0,
            Long("firstBrokenSequence"),
            Get("problem"),
            record.Reason);
    }

    private async Task<AuditVerificationResult> RunVerificationAsync(
        ClaimsPrincipal actor, string trigger, IProgress<AuditVerificationProgress>? progress, CancellationToken cancellationToken)
    {
        var result = await verifier.VerifyAsync(trigger, progress, cancellationToken);
        var details = new Dictionary<string, string?>
        {
            ["trigger"] = trigger,
            ["recordsChecked"] = result.RecordsChecked.ToString(CultureInfo.InvariantCulture),
            ["checkpointsChecked"] = result.CheckpointsChecked.ToString(CultureInfo.InvariantCulture),
            ["durationSeconds"] = result.Duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),
        };
        if (!result.Ok)
        {
            details["firstBrokenSequence"] = result.FirstBrokenSequence?.ToString(CultureInfo.InvariantCulture);
            details["brokenCheckpoint"] = result.BrokenCheckpoint?.ToString(CultureInfo.InvariantCulture);
            details["problem"] = result.Problem;
        }

        await actions.RecordAsync(
            new AuditEntry(actor, VerifiedAction, "audit_log", "*", result.Ok ? AuditOutcome.Succeeded : AuditOutcome.Failed, details, result.Ok ? null : result.Reason),
            cancellationToken);
        if (!result.Ok)
        {
            LogBroken(trigger, result.Summary);
        }

        // Alerts turns a broken result into the critical alert AlertName, and an intact one resolves it.
        actions.Publish(AuditIntegrityTopics.Verified, result);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "AUDIT LOG INTEGRITY BROKEN ({Trigger} verification): {Summary}")]
    private partial void LogBroken(string trigger, string summary);
}
