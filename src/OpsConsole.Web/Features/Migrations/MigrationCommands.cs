using System.Security.Claims;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Features.Migrations;

/// <summary>
/// What the migration pages call. <see cref="MigrationCommands"/> is the one implementation; page tests fake this
/// interface, since the real service needs PostgreSQL (its rules are covered by the integration tests).
/// </summary>
public interface IMigrationCommands
{
    /// <summary>Whether <paramref name="caller"/> may rehearse, apply and undo (a UI hint; the service checks).</summary>
    Task<bool> MayActAsync(ClaimsPrincipal caller);

    /// <exception cref="KeyNotFoundException">Not a managed database.</exception>
    Task<MigrationsView> GetAsync(ClaimsPrincipal caller, string database, CancellationToken cancellationToken = default);

    /// <exception cref="MigrationRequestException">Nothing pending, no verified backup (names the field).</exception>
    Task<OperationView> RehearseAsync(ClaimsPrincipal caller, string database, string? upTo);

    /// <exception cref="MigrationRequestException">Blocked, or the pending set changed since <paramref name="fingerprint"/>.</exception>
    /// <exception cref="OperationRefusedException">The database is busy or its migration lock is held.</exception>
    Task<OperationView> ApplyAsync(ClaimsPrincipal caller, string database, string fingerprint, string? upTo);

    Task<OperationView> UndoAsync(ClaimsPrincipal caller, string database, string version);

    Task<IReadOnlyList<MigrationRunView>> ListRunsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default);

    Task<MigrationRunView?> GetRunAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default);
}

/// <summary>The migration pages' way into <see cref="MigrationService"/>: one service scope per call (a circuit outlives any DbContext).</summary>
public sealed class MigrationCommands(IServiceScopeFactory scopes) : IMigrationCommands
{
    public Task<bool> MayActAsync(ClaimsPrincipal caller) => With(s => s.MayActAsync(caller));

    public Task<MigrationsView> GetAsync(ClaimsPrincipal caller, string database, CancellationToken cancellationToken = default) =>
        With(s => s.GetAsync(caller, database, cancellationToken));

    public Task<OperationView> RehearseAsync(ClaimsPrincipal caller, string database, string? upTo) => With(s => s.RehearseAsync(caller, database, upTo));

    public Task<OperationView> ApplyAsync(ClaimsPrincipal caller, string database, string fingerprint, string? upTo) =>
        With(s => s.ApplyAsync(caller, database, fingerprint, upTo));

    public Task<OperationView> UndoAsync(ClaimsPrincipal caller, string database, string version) => With(s => s.UndoAsync(caller, database, version));

    public Task<IReadOnlyList<MigrationRunView>> ListRunsAsync(ClaimsPrincipal caller, string database, int limit, CancellationToken cancellationToken = default) =>
        With(s => s.ListRunsAsync(caller, database, limit, cancellationToken));

    public Task<MigrationRunView?> GetRunAsync(ClaimsPrincipal caller, Guid id, CancellationToken cancellationToken = default) =>
        With(s => s.GetRunAsync(caller, id, cancellationToken));

    private async Task<T> With<T>(Func<MigrationService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<MigrationService>());
    }
}

/// <summary>What to tell a person when a migration action did not happen (null: not an expected refusal, let it surface).</summary>
public static class MigrationMessages
{
    public static string? For(Exception exception) => exception switch
    {
        MigrationRequestException e => e.Message.Split(" (Parameter", 2)[0],
        _ => BackupMessages.For(exception),
    };
}
