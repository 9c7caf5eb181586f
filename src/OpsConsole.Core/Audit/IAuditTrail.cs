using System.Security.Claims;

namespace OpsConsole.Core.Audit;

/// <summary>One state-changing action, as the audit log will record it (issue 4 gives it the chain and storage).</summary>
public sealed record AuditEntry(ClaimsPrincipal Actor, string Action, string TargetType, string TargetId, string Outcome, IReadOnlyDictionary<string, string?>? Details = null);

/// <summary>
/// The hook every state-changing service calls. Until the audit log exists it only writes a structured log line;
/// the audit capability replaces this registration and makes it fail-closed (no audit, no action).
/// </summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);
}

public sealed partial class LoggingAuditTrail(Microsoft.Extensions.Logging.ILogger<LoggingAuditTrail> logger) : IAuditTrail
{
    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        LogEntry(entry.Actor.Identity?.Name ?? "system", entry.Action, entry.TargetType, entry.TargetId, entry.Outcome);
        return Task.CompletedTask;
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information,
        Message = "audit: {Actor} {Action} {TargetType}/{TargetId} -> {Outcome}")]
    private partial void LogEntry(string actor, string action, string targetType, string targetId, string outcome);
}
