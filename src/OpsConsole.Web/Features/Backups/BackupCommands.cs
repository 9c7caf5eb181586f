using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Backups;

/// <summary>
/// The Databases pages' way into <see cref="BackupService"/>: one service scope per call, because a circuit outlives any
/// DbContext and a live reload may run beside a click. The service authorizes and audits; this only carries the caller.
/// </summary>
public sealed class BackupCommands(IServiceScopeFactory scopes)
{
    public Task<IReadOnlyList<DatabaseStatus>> ListDatabasesAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        With(s => s.ListDatabasesAsync(caller, cancellationToken));

    public Task<DatabaseStatus?> GetDatabaseAsync(ClaimsPrincipal caller, string name, CancellationToken cancellationToken = default) =>
        With(s => s.GetDatabaseAsync(caller, name, cancellationToken));

    public Task<BackupPage> ListBackupsAsync(ClaimsPrincipal caller, string database, int offset, int limit, CancellationToken cancellationToken = default) =>
        With(s => s.ListBackupsAsync(caller, database, offset, limit, cancellationToken));

    public Task<IReadOnlyList<DrillView>> ListDrillsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default) =>
        With(s => s.ListDrillsAsync(caller, database, limit, cancellationToken));

    public Task<OperationView> BackUpNowAsync(ClaimsPrincipal caller, string database) => With(s => s.BackUpNowAsync(caller, database));

    public Task<OperationView> DrillNowAsync(ClaimsPrincipal caller, string database) => With(s => s.DrillNowAsync(caller, database));

    public Task<OperationView> VerifyAsync(ClaimsPrincipal caller, Guid backup) => With(s => s.VerifyAsync(caller, backup));

    public Task<OperationView> DeleteAsync(ClaimsPrincipal caller, Guid backup, string? reason) => With(s => s.DeleteAsync(caller, backup, reason));

    private async Task<T> With<T>(Func<BackupService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<BackupService>());
    }
}

/// <summary>What to tell a person when a backup action did not happen (null: not an expected refusal, let it surface).</summary>
public static class BackupMessages
{
    public const string StoreUnavailable = "The console's database cannot be reached right now, so nothing was started or changed. Try again shortly.";

    public static string? For(Exception exception) => exception switch
    {
        OperationRefusedException e => e.Message, // busy target (names the running operation), newest verified backup
        UnauthorizedAccessException e => e.Message,
        KeyNotFoundException e => e.Message, // deleted or expired meanwhile, or no longer managed
        AuditUnavailableException e => e.Message,
        NpgsqlException or DbUpdateException or TimeoutException => StoreUnavailable,
        _ => null,
    };
}
