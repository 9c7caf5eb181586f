using System.Security.Claims;
using OpsConsole.Core.Keys.Secrets;

namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>What the secrets section calls; page tests fake it (the real service needs PostgreSQL).</summary>
public interface ISecretCommands
{
    /// <summary>Whether <paramref name="caller"/> may record a rotation (a UI hint; the service checks).</summary>
    Task<bool> MayRecordAsync(ClaimsPrincipal caller);

    Task<IReadOnlyList<SecretView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default);

    /// <exception cref="SecretRequestException">A bad rotatedAt ("rotatedAt") or note ("note").</exception>
    Task<SecretView> RecordAsync(ClaimsPrincipal caller, string name, DateTimeOffset? rotatedAt, string? note);
}

/// <summary>The section's way into <see cref="SecretsService"/>: one service scope per call (a circuit outlives any DbContext).</summary>
public sealed class SecretCommands(IServiceScopeFactory scopes) : ISecretCommands
{
    public Task<bool> MayRecordAsync(ClaimsPrincipal caller) => With(s => s.MayRecordAsync(caller));

    public Task<IReadOnlyList<SecretView>> ListAsync(ClaimsPrincipal caller, CancellationToken cancellationToken = default) =>
        With(s => s.ListAsync(caller, cancellationToken));

    public Task<SecretView> RecordAsync(ClaimsPrincipal caller, string name, DateTimeOffset? rotatedAt, string? note) =>
        With(s => s.RecordAsync(caller, name, rotatedAt, note));

    private async Task<T> With<T>(Func<SecretsService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<SecretsService>());
    }
}
