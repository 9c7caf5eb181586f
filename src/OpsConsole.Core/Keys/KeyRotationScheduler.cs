using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Operations;

namespace OpsConsole.Core.Keys;

/// <summary>
/// Requests each ring's rotation when it is due (<see cref="KeyTimeline.NextRotationDue"/>), as a "key-rotation" operation
/// by the system, on one instance (the leader of a PostgreSQL advisory lock, as the backup scheduler). A missed time is
/// simply overdue at the next look, so a console that was down rotates when it comes back. Two instances cannot rotate
/// twice even without the lease: the operation re-reads the ring under its lock and does nothing when it is not due.
/// </summary>
public sealed partial class KeyRotationScheduler(
    ConfiguredKeyRings rings,
    IServiceScopeFactory scopes,
    ConsoleConnectionStrings connections,
    DatabaseStartupService database,
    TimeProvider time,
    ILogger<KeyRotationScheduler> logger) : BackgroundService
{
    /// <summary>The scheduler's leader lock ("OpsCon" + 0x0C01).</summary>
    public const long LeaderLockKey = 0x4F70_7343_6F6E_0C01;

    /// <summary>How often it looks: rotation periods are days; a minute late is nothing.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (rings.Rings.Count == 0)
        {
            return;
        }

        await database.Ready.WaitAsync(stoppingToken);
        await PostgresLeaderLease.RunUntilStoppedAsync(
            connections.Runtime, LeaderLockKey, LeadAsync, TimeSpan.FromSeconds(15), time, LogLeaseFailed, stoppingToken);
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            if (!await BackgroundLoop.PassAsync(TickAsync, ex => LogTickFailed(ex), cancellationToken))
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>One look at every ring: requests the rotations that are due (internal for tests). Returns the operations requested.</summary>
    internal async Task<IReadOnlyList<Guid>> TickAsync(CancellationToken cancellationToken)
    {
        var requested = new List<Guid>();
        var now = time.GetUtcNow();
        foreach (var ring in rings.Rings)
        {
            await using var scope = scopes.CreateAsyncScope();
            var versions = await scope.ServiceProvider.GetRequiredService<KeyRingStore>().ReadVersionsAsync(ring.Name, cancellationToken);
            if (versions.Count == 0 || KeyTimeline.Urgency(ring, versions, now) != RotationUrgency.Overdue)
            {
                continue;
            }

            var parameters = new Dictionary<string, string> { ["ring"] = ring.Name, ["immediate"] = "false", ["trigger"] = KeysService.Scheduled };
            try
            {
                var op = await scope.ServiceProvider.GetRequiredService<OperationService>().RequestAsSystemAsync(
                    new OperationRequest(KeyKinds.Rotate, KeyKinds.Target(ring.Name), $"Scheduled rotation of {ring.Name}", false, parameters), cancellationToken);
                requested.Add(op.Id);
                LogRequested(ring.Name, KeyTimeline.NextRotationDue(ring, versions), op.Id);
            }
            catch (OperationRefusedException ex) when (ex.Reason == OperationRefusal.TargetBusy)
            {
                LogBusy(ring.Name, ex.Message); // next look
            }
        }

        return requested;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Scheduled rotation of key ring {Ring} (due {Due:u}) requested as operation {Operation}")]
    private partial void LogRequested(string ring, DateTimeOffset? due, Guid operation);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Scheduled rotation of key ring {Ring} waits: {Reason}")]
    private partial void LogBusy(string ring, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "The key rotation scheduler's look at the rings failed")]
    private partial void LogTickFailed(Exception ex);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "The key rotation scheduler could not take or keep its leader lock")]
    private partial void LogLeaseFailed(Exception ex);
}
