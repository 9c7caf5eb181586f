using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
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
        var transaction = DbContextTransactionProbe.CurrentTransaction(db);
        if (transaction is null && chain.IsRunning)
        {
            await AppendStandaloneAsync(entry, item, cancellationToken);
            return;
        }

        try
        {
            if (transaction is null)
            {
                // The admin CLI (no chain writer in this process): on its own, through EF as before.
                db.AuditInbox.Add(item);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                finally
                {
                    db.Entry(item).State = EntityState.Detached; // never retried by a later SaveChanges of the same scope
                }
            }
            else
            {
                // The record joins the action's transaction: both commit or neither. Changes the action left unsaved
                // are saved first, in that transaction, as the record's own SaveChanges used to do.
                if (db.ChangeTracker.HasChanges())
                {
                    await db.SaveChangesAsync(cancellationToken);
                }

                await InsertInboxAsync(item, transaction, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is DbUpdateException or NpgsqlException or InvalidOperationException or TimeoutException)
        {
            SpoolOrRefuse(entry, item, ex, canSpool: transaction is null);
        }

        chain.Signal();
    }

    /// <summary>
    /// One prepared INSERT on the context's own connection and transaction: an inbox row needs no change tracking,
    /// and EF's SaveChanges pipeline cost more CPU than the rest of an audited action.
    /// </summary>
    private async Task InsertInboxAsync(AuditInboxItem item, IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var insert = new NpgsqlCommand(InboxInsertSql, connection, (NpgsqlTransaction)transaction.GetDbTransaction());
        var p = insert.Parameters;
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = item.OccurredAt, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        p.Add(Text(item.ActorType));
        p.Add(Text(item.ActorId));
        p.Add(Text(item.ActorName));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = item.ActorRoles, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        p.Add(Text(item.Action));
        p.Add(Text(item.TargetType));
        p.Add(Text(item.TargetId));
        p.Add(Text(item.Outcome));
        p.Add(Text(item.Reason));
        p.Add(Text(item.ClientIp));
        p.Add(Text(item.UserAgent));
        p.Add(Text(item.CorrelationId));
        p.Add(new NpgsqlParameter<string> { TypedValue = item.Details, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await insert.PrepareAsync(cancellationToken); // a round trip once per physical connection, then found prepared
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string InboxInsertSql =
        "INSERT INTO console.audit_inbox (" + AuditChainWriter.FieldColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

    private static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

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
        // A record is never refused for its text: what PostgreSQL cannot store (U+0000, lone surrogates) is replaced.
        var details = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in entry.Details ?? new Dictionary<string, string?>())
        {
            details[PostgresText.Storable(key)!] = PostgresText.Storable(value);
        }

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
            Action = PostgresText.Storable(entry.Action)!,
            TargetType = PostgresText.Storable(entry.TargetType)!,
            TargetId = Truncate(entry.TargetId, 256),
            Outcome = entry.Outcome,
            Reason = PostgresText.Storable(reason),
            ClientIp = Truncate(clientIp, 64),
            UserAgent = Truncate(context?.UserAgent, 512),
            CorrelationId = Truncate(correlationId, 128),
            Details = AuditCanonical.SerializeDetails(details),
        };
    }

    private static string? Truncate(string? value, int length) => PostgresText.Storable(value is { } v && v.Length > length ? v[..length] : value);

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

/// <summary>
/// The transaction a DbContext is in, without initializing a context that was never used. Reading
/// <c>Database.CurrentTransaction</c> builds the context's internal services (tens of µs and ~40 KB), which an audited
/// denial or sign-in made outside any transaction would pay for nothing: a context whose services were never built
/// cannot have begun a transaction. When EF's field is not found, every context is asked (correct, only slower);
/// a unit test fails if that happens.
/// </summary>
internal static class DbContextTransactionProbe
{
    private static readonly Func<DbContext, bool>? Used = CreateUsedProbe();

    /// <summary>False when EF Core no longer has the field this relies on (then every call asks the context).</summary>
    internal static bool CanTellUnusedContexts => Used is not null;

    public static IDbContextTransaction? CurrentTransaction(DbContext db) =>
        Used is { } used && !used(db) ? null : db.Database.CurrentTransaction;

    internal static bool MayHaveTransaction(DbContext db) => Used?.Invoke(db) ?? true;

    private static Func<DbContext, bool>? CreateUsedProbe()
    {
        var field = typeof(DbContext).GetField("_contextServices", BindingFlags.Instance | BindingFlags.NonPublic);
        if (field is null || field.FieldType.IsValueType)
        {
            return null;
        }

        var context = Expression.Parameter(typeof(DbContext));
        return Expression.Lambda<Func<DbContext, bool>>(
            Expression.NotEqual(Expression.Field(context, field), Expression.Constant(null, field.FieldType)), context).Compile();
    }
}
