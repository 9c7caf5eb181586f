using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Writes a checkpoint every <see cref="AuditIntegrityOptions.CheckpointInterval"/> and verifies the whole log every
/// <see cref="AuditIntegrityOptions.VerifyInterval"/>, on one instance only (the advisory-lock leader). When they
/// are due comes from the database (the last checkpoint's time, the last scheduled <c>audit.verified</c> record), so
/// a restart or a new leader keeps the rhythm instead of restarting it.
/// </summary>
public sealed partial class AuditIntegrityScheduler(
    ConsoleConnectionStrings connections,
    IServiceScopeFactory scopes,
    DatabaseState database,
    IOptions<AuditIntegrityOptions> options,
    TimeProvider time,
    ILogger<AuditIntegrityScheduler> logger) : BackgroundService
{
    /// <summary>The leader lock ("OpsCon" + 0x0A02).</summary>
    public const long LeaderLockKey = 0x4F70_7343_6F6E_0A02;

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromMinutes(1);

    /// <summary>True while this instance is the leader (tests, diagnostics).</summary>
    public bool IsLeader { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!database.MigrationsApplied)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, stoppingToken);
        }

        await PostgresLeaderLease.RunUntilStoppedAsync(connections.Runtime, LeaderLockKey, LeadAsync, RetryInterval, time, ex =>
        {
            IsLeader = false;
            LogRetry(ex.GetBaseException().Message);
        }, stoppingToken);
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        IsLeader = true;
        LogLeading();
        try
        {
            var settings = options.Value;
            var start = time.GetUtcNow();
            var (lastCheckpoint, lastVerification) = await ReadLastRunsAsync(cancellationToken);
            var checkpointDue = lastCheckpoint is { } c ? c + settings.CheckpointInterval : start + settings.FirstRunDelay;
            var verifyDue = lastVerification is { } v ? v + settings.VerifyInterval : start + settings.FirstRunDelay;
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                if (now >= checkpointDue)
                {
                    checkpointDue = await RunAsync(WriteCheckpointAsync, settings.CheckpointInterval, cancellationToken);
                }
                else if (now >= verifyDue)
                {
                    verifyDue = await RunAsync(VerifyAsync, settings.VerifyInterval, cancellationToken);
                }
                else
                {
                    var next = checkpointDue < verifyDue ? checkpointDue : verifyDue;
                    await Task.Delay(next - now, time, cancellationToken);
                }
            }
        }
        finally
        {
            IsLeader = false;
        }
    }

    /// <summary>Runs one job; the next is due an interval later, or after a short backoff when it failed.</summary>
    private async Task<DateTimeOffset> RunAsync(Func<CancellationToken, Task> job, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await job(cancellationToken);
            return time.GetUtcNow() + interval;
        }
        catch (Exception ex) when (ex is NpgsqlException or DbUpdateException or InvalidOperationException or TimeoutException or AuditUnavailableException)
        {
            LogJobFailed(ex);
            return time.GetUtcNow() + (interval < FailureBackoff ? interval : FailureBackoff);
        }
    }

    private async Task WriteCheckpointAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var checkpoint = await scope.ServiceProvider.GetRequiredService<AuditCheckpointService>().CreateAsync(cancellationToken);
        if (checkpoint is not null)
        {
            LogCheckpoint(checkpoint.Number, checkpoint.LastSequence);
        }
    }

    private async Task VerifyAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AuditIntegrityService>().VerifyScheduledAsync(cancellationToken);
    }

    private async Task<(DateTimeOffset? Checkpoint, DateTimeOffset? Verification)> ReadLastRunsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
        var checkpoint = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Number).Select(c => (DateTimeOffset?)c.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var verification = await scope.ServiceProvider.GetRequiredService<AuditIntegrityService>().LastVerificationAsync(scheduledOnly: true, cancellationToken);
        return (checkpoint, verification?.At);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit integrity scheduler: this instance leads (checkpoints and scheduled verification)")]
    private partial void LogLeading();

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit checkpoint #{Number} written (records up to {LastSequence})")]
    private partial void LogCheckpoint(long number, long lastSequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit integrity job failed; retrying soon")]
    private partial void LogJobFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit integrity scheduler cannot reach the database ({Error}); retrying")]
    private partial void LogRetry(string error);
}
