using System.Security.Claims;
using OpsConsole.Core.Backups;
using OpsConsole.Core.Operations;
using OpsConsole.Core.Restores;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Features.Restores;

/// <summary>
/// What the restore pages call. <see cref="RestoreCommands"/> is the one implementation; page tests fake this interface,
/// since the real services need PostgreSQL and pg_restore (their rules are covered by the integration tests).
/// </summary>
public interface IRestoreCommands
{
    /// <summary>Whether <paramref name="caller"/> may plan, request and swap back restores (a UI hint; the service checks).</summary>
    Task<bool> MayActAsync(ClaimsPrincipal caller);

    /// <summary>The newest kept backups of <paramref name="database"/>, newest first, for the plan page's choice.</summary>
    Task<IReadOnlyList<BackupView>> ListBackupsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default);

    /// <exception cref="RestorePlanException">No usable backup, a bad mode or new database name (names the field).</exception>
    Task<RestorePlanView> PlanAsync(ClaimsPrincipal caller, string database, RestorePlanRequest request, CancellationToken cancellationToken = default);

    /// <exception cref="RestorePlanException">A wrong confirmation, an expired or stale plan, or one with problems (names the field).</exception>
    /// <exception cref="OperationRefusedException">Another operation holds the database.</exception>
    Task<OperationView> RequestAsync(ClaimsPrincipal caller, string database, Guid planId, string? confirmation);

    Task<IReadOnlyList<RestoreView>> ListAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default);

    /// <exception cref="RestorePlanException">Nothing to swap back any more, or a wrong confirmation.</exception>
    Task<OperationView> SwapBackAsync(ClaimsPrincipal caller, Guid restore, string? confirmation);
}

/// <summary>
/// The restore pages' way into <see cref="RestoreService"/> (and the backup list): one service scope per call, because a
/// circuit outlives any DbContext and a live reload may run beside a click. The services authorize and audit.
/// </summary>
public sealed class RestoreCommands(IServiceScopeFactory scopes) : IRestoreCommands
{
    public Task<bool> MayActAsync(ClaimsPrincipal caller) => With(s => s.MayActAsync(caller));

    public async Task<IReadOnlyList<BackupView>> ListBackupsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var page = await scope.ServiceProvider.GetRequiredService<BackupService>().ListBackupsAsync(caller, database, 0, limit, cancellationToken);
        return page.Items;
    }

    public Task<RestorePlanView> PlanAsync(ClaimsPrincipal caller, string database, RestorePlanRequest request, CancellationToken cancellationToken = default) =>
        With(s => s.PlanAsync(caller, database, request, cancellationToken));

    public Task<OperationView> RequestAsync(ClaimsPrincipal caller, string database, Guid planId, string? confirmation) =>
        With(s => s.RequestAsync(caller, database, planId, confirmation));

    public Task<IReadOnlyList<RestoreView>> ListAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default) =>
        With(s => s.ListAsync(caller, database, limit, cancellationToken));

    public Task<OperationView> SwapBackAsync(ClaimsPrincipal caller, Guid restore, string? confirmation) =>
        With(s => s.SwapBackAsync(caller, restore, confirmation));

    private async Task<T> With<T>(Func<RestoreService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<RestoreService>());
    }
}

/// <summary>What to tell a person when a restore action did not happen (null: not an expected refusal, let it surface).</summary>
public static class RestoreMessages
{
    /// <summary>The message without the "(Parameter 'field')" suffix ArgumentException appends.</summary>
    public static string Text(RestorePlanException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Message.Split(" (Parameter", 2)[0];
    }

    public static string? For(Exception exception) => exception switch
    {
        RestorePlanException e => Text(e),
        _ => BackupMessages.For(exception),
    };
}
