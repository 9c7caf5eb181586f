using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Alerts;

/// <summary>
/// The audit log's integrity as a console alert: a verification on this instance that finds the log broken raises the
/// critical alert <see cref="AuditIntegrityService.AlertName"/>; the next intact one resolves it. Audit only publishes
/// <see cref="AuditIntegrityTopics.Verified"/> and knows nothing of alerts (Alerts depends on Audit, never the reverse).
/// Only this instance's verifications count: the board's own topic already tells the other instances.
/// </summary>
public sealed partial class AuditIntegrityAlert(
    ConsoleAlertBoard board, ILiveEvents live, IServiceScopeFactory scopes, ILogger<AuditIntegrityAlert> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = live.Subscribe(AuditIntegrityTopics.Verified, OnVerifiedAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private async Task OnVerifiedAsync(LiveEvent<AuditVerificationResult> verified)
    {
        if (!string.Equals(verified.OriginInstance, live.InstanceId, StringComparison.Ordinal))
        {
            return;
        }

        var result = verified.Payload;
        AuditEntry? entry = null;
        if (result.Ok)
        {
            if (board.Resolve(AuditIntegrityService.AlertName))
            {
                LogResolved();
                entry = new AuditEntry(AuditActors.System, "console.alert.resolved", "console_alert", AuditIntegrityService.AlertName, AuditOutcome.Succeeded);
            }
        }
        else
        {
            var alert = board.Raise(AuditIntegrityService.AlertName, ConsoleAlertSeverity.Critical, $"Audit log integrity broken: {result.Summary}", "audit verification");
            entry = new AuditEntry(AuditActors.System, "console.alert.raised", "console_alert", AuditIntegrityService.AlertName, AuditOutcome.Succeeded,
                new Dictionary<string, string?> { ["severity"] = alert.Severity.ToString(), ["summary"] = alert.Summary });
        }

        if (entry is null)
        {
            return;
        }

        // A subscriber must not throw (the bus would log and drop it); the alert itself is raised either way.
        await BackgroundLoop.PassAsync(
            async ct =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(entry, ct);
            },
            ex => LogRecordFailed(entry.Action, ex.GetBaseException().Message),
            CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit log intact again: the integrity alert is resolved")]
    private partial void LogResolved();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The integrity alert's audit record {Action} could not be written: {Error}")]
    private partial void LogRecordFailed(string action, string error);
}
