using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Audit;

/// <summary>Moves spooled observations into the inbox, oldest first, in one transaction, once the database answers.</summary>
public sealed partial class AuditSpoolReplayer(
    AuditSpool spool,
    IServiceScopeFactory scopes,
    AuditChainWriter chain,
    DatabaseState database,
    ILogger<AuditSpoolReplayer> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>One replay attempt (also for tests); returns how many records were written.</summary>
    public async Task<int> ReplayOnceAsync(CancellationToken cancellationToken)
    {
        var written = await spool.ReplayAsync(async (items, ct) =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ConsoleDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            foreach (var item in items)
            {
                item.Id = 0;
                db.AuditInbox.Add(item);
                await db.SaveChangesAsync(ct); // one by one: inbox ids, hence chain order, follow the spool's order
            }

            await transaction.CommitAsync(ct);
        }, cancellationToken);
        if (written > 0)
        {
            LogReplayed(written);
            chain.Signal();
        }

        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (!database.MigrationsApplied)
            {
                continue;
            }

            try
            {
                await ReplayOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbUpdateException or Npgsql.NpgsqlException or InvalidOperationException or IOException)
            {
                LogRetry(ex.GetBaseException().Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit spool: {Count} record(s) written to the database")]
    private partial void LogReplayed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit spool replay failed ({Error}); the spool is kept and retried")]
    private partial void LogRetry(string error);
}
