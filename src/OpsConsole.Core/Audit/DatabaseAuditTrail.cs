using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit;

/// <summary>
/// Writes audit records to the inbox table: in the caller's transaction when there is one (the action and its record
/// commit together), else on its own. The chain writer then appends them to the hash-chained log.
/// </summary>
public sealed partial class DatabaseAuditTrail(
    ConsoleDbContext db,
    AuditContext context,
    AuditSpool spool,
    AuditChainWriter chain,
    TimeProvider time,
    ILogger<DatabaseAuditTrail> logger) : IAuditTrail
{
    public async Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var item = ToInboxItem(entry, AuditContext.Ambient ?? context, time.GetUtcNow());
        var inTransaction = db.Database.CurrentTransaction is not null;
        if (!inTransaction && chain.IsRunning)
        {
            await AppendStandaloneAsync(entry, item, cancellationToken);
            return;
        }

        db.AuditInbox.Add(item);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbUpdateException or NpgsqlException or InvalidOperationException or TimeoutException)
        {
            db.Entry(item).State = EntityState.Detached; // never retried by a later SaveChanges of the same scope
            SpoolOrRefuse(entry, item, ex, canSpool: !inTransaction);
        }

        db.Entry(item).State = EntityState.Detached;
        chain.Signal();
    }

    /// <summary>Not part of an action's transaction: group-committed straight into the chain by the single writer.</summary>
    private async Task AppendStandaloneAsync(AuditEntry entry, AuditInboxItem item, CancellationToken cancellationToken)
    {
        try
        {
            await chain.AppendAsync(item, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
        {
            SpoolOrRefuse(entry, item, ex, canSpool: true);
        }
    }

    /// <summary>
    /// A failed sign-in or a denial is an observation, not an action: it is kept locally, in order, for later. Anything
    /// else (or a full spool) is refused: no audit, no action.
    /// </summary>
    private void SpoolOrRefuse(AuditEntry entry, AuditInboxItem item, Exception ex, bool canSpool)
    {
        if (canSpool && entry.Outcome != AuditOutcome.Succeeded && spool.TryAppend(item))
        {
            LogSpooled(entry.Action, ex.GetBaseException().Message);
            return;
        }

        LogUnavailable(ex, entry.Action);
        throw new AuditUnavailableException(AuditUnavailableException.UserMessage, ex);
    }

    public static AuditInboxItem ToInboxItem(AuditEntry entry, AuditContext? context, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (type, id, name, roles, tokenName) = AuditActors.Describe(entry.Actor);
        var details = new Dictionary<string, string?>(entry.Details ?? new Dictionary<string, string?>(), StringComparer.Ordinal);
        var reason = entry.Reason;
        if (reason is null && details.Remove("reason", out var detailReason))
        {
            reason = detailReason;
        }

        var clientIp = context?.ClientIp;
        if (details.Remove("clientIp", out var detailIp))
        {
            clientIp ??= detailIp;
        }

        var correlationId = context?.CorrelationId;
        if (details.Remove("correlationId", out var detailCorrelation))
        {
            correlationId ??= detailCorrelation;
        }

        if (tokenName is not null)
        {
            details["token"] = tokenName;
        }

        return new AuditInboxItem
        {
            OccurredAt = AuditCanonical.ToStoredPrecision(now),
            ActorType = type,
            ActorId = Truncate(id, 256),
            ActorName = Truncate(name, 256) ?? "",
            ActorRoles = roles,
            Action = entry.Action,
            TargetType = entry.TargetType,
            TargetId = Truncate(entry.TargetId, 256),
            Outcome = entry.Outcome,
            Reason = reason,
            ClientIp = Truncate(clientIp, 64),
            UserAgent = Truncate(context?.UserAgent, 512),
            CorrelationId = Truncate(correlationId, 128),
            Details = AuditCanonical.SerializeDetails(details),
        };
    }

    private static string? Truncate(string? value, int length) => value is { } v && v.Length > length ? v[..length] : value;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit record {Action} spooled locally: the database is unavailable ({Error})")]
    private partial void LogSpooled(string action, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit record {Action} could not be written; the action is refused")]
    private partial void LogUnavailable(Exception exception, string action);
}

public static class AuditedTransaction
{
    /// <summary>
    /// Runs a state change and its audit record in one transaction: both commit, or neither (no audit, no action).
    /// Joins the caller's transaction when one is open.
    /// </summary>
    public static async Task<T> RunAsync<T>(ConsoleDbContext db, Func<Task<T>> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(action);
        if (db.Database.CurrentTransaction is not null)
        {
            return await action();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var committed = false;
        try
        {
            var result = await action();
            await transaction.CommitAsync(cancellationToken);
            committed = true;
            return result;
        }
        finally
        {
            db.RunCommitted(committed);
        }
    }

    public static Task RunAsync(ConsoleDbContext db, Func<Task> action, CancellationToken cancellationToken = default) =>
        RunAsync(db, async () =>
        {
            await action();
            return true;
        }, cancellationToken);
}
