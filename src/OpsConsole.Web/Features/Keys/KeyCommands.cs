using System.Security.Claims;
using OpsConsole.Core.Keys;
using OpsConsole.Core.Operations;
using OpsConsole.Web.Features.Backups;

namespace OpsConsole.Web.Features.Keys;

/// <summary>
/// What the key pages call. <see cref="KeyCommands"/> is the one implementation; page tests fake this interface, since
/// the real service needs PostgreSQL (its rules are covered by the Core and integration tests).
/// </summary>
public interface IKeyCommands
{
    /// <summary>Whether <paramref name="caller"/> may rotate (a UI hint; the service checks).</summary>
    Task<bool> MayRotateAsync(ClaimsPrincipal caller);

    /// <summary>Whether <paramref name="caller"/> may revoke (a UI hint; the service checks).</summary>
    Task<bool> MayRevokeAsync(ClaimsPrincipal caller);

    Task<IReadOnlyList<KeyRingView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default);

    /// <exception cref="KeyNotFoundException">No such ring.</exception>
    Task<KeyRingView> GetAsync(ClaimsPrincipal caller, string ring, CancellationToken cancellationToken = default);

    /// <exception cref="KeyRequestException">Wrong confirmation (field "confirmation"), a rotation under way ("ring"), a long reason ("reason").</exception>
    Task<OperationView> RotateAsync(ClaimsPrincipal caller, string ring, string? confirmation, bool immediate, string? reason);

    Task<RevocationPreview> PreviewRevokeAsync(ClaimsPrincipal caller, string ring, string kid, CancellationToken cancellationToken = default);

    /// <exception cref="KeyRequestException">Wrong confirmation ("confirmation"), no reason ("reason"), refused by the timeline ("kid").</exception>
    Task<OperationView> RevokeAsync(ClaimsPrincipal caller, string ring, string kid, string? confirmation, string? reason);
}

/// <summary>The key pages' way into <see cref="KeysService"/>: one service scope per call (a circuit outlives any DbContext).</summary>
public sealed class KeyCommands(IServiceScopeFactory scopes) : IKeyCommands
{
    public Task<bool> MayRotateAsync(ClaimsPrincipal caller) => With(s => s.MayRotateAsync(caller));

    public Task<bool> MayRevokeAsync(ClaimsPrincipal caller) => With(s => s.MayRevokeAsync(caller));

    public Task<IReadOnlyList<KeyRingView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        With(s => s.ListAsync(caller, cancellationToken));

    public Task<KeyRingView> GetAsync(ClaimsPrincipal caller, string ring, CancellationToken cancellationToken = default) =>
        With(s => s.GetAsync(caller, ring, cancellationToken));

    public Task<OperationView> RotateAsync(ClaimsPrincipal caller, string ring, string? confirmation, bool immediate, string? reason) =>
        With(s => s.RotateAsync(caller, ring, confirmation, immediate, reason));

    public Task<RevocationPreview> PreviewRevokeAsync(ClaimsPrincipal caller, string ring, string kid, CancellationToken cancellationToken = default) =>
        With(s => s.PreviewRevokeAsync(caller, ring, kid, cancellationToken));

    public Task<OperationView> RevokeAsync(ClaimsPrincipal caller, string ring, string kid, string? confirmation, string? reason) =>
        With(s => s.RevokeAsync(caller, ring, kid, confirmation, reason));

    private async Task<T> With<T>(Func<KeysService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<KeysService>());
    }
}

/// <summary>What to tell a person when a key action did not happen (null: not an expected refusal, let it surface).</summary>
public static class KeyMessages
{
    public static string? For(Exception exception) => exception switch
    {
        KeyRequestException e => Text(e),
        _ => BackupMessages.For(exception),
    };

    /// <summary>The message without ArgumentException's " (Parameter 'x')" suffix: the field is said by where it is shown.</summary>
    public static string Text(ArgumentException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Message.Split(" (Parameter", 2)[0];
    }
}

/// <summary>What the console-keys panel calls (<see cref="ConsoleKeyCommands"/>; page tests fake it).</summary>
public interface IConsoleKeyCommands
{
    Task<ConsoleKeysView> GetAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default);

    Task<OperationView> RotateAuditKeyAsync(ClaimsPrincipal caller);
}

public sealed class ConsoleKeyCommands(IServiceScopeFactory scopes) : IConsoleKeyCommands
{
    public async Task<ConsoleKeysView> GetAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ConsoleKeysService>().GetAsync(caller, cancellationToken);
    }

    public async Task<OperationView> RotateAuditKeyAsync(ClaimsPrincipal caller)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ConsoleKeysService>().RotateAuditKeyAsync(caller);
    }
}
