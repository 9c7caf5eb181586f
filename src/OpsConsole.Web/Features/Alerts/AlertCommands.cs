using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Audit;

namespace OpsConsole.Web.Features.Alerts;

/// <summary>
/// The alert pages' way into <see cref="AlertService"/> and <see cref="SilenceService"/>: one service scope per call,
/// because a circuit outlives any DbContext and a live refresh may run beside a click. The services authorize and
/// audit; this only carries the caller.
/// </summary>
public sealed class AlertCommands(IServiceScopeFactory scopes)
{
    public Task<AlertPage> SearchAsync(ClaimsPrincipal caller, AlertSearch search, long? cursor, int limit, CancellationToken cancellationToken = default) =>
        WithAlerts(s => s.SearchAsync(caller, search, cursor, limit, cancellationToken));

    public Task<AlertDetail?> GetAsync(ClaimsPrincipal caller, long id, CancellationToken cancellationToken = default) =>
        WithAlerts(s => s.GetAsync(caller, id, cancellationToken));

    public Task<AlertDetail> AcknowledgeAsync(ClaimsPrincipal caller, long id, string? note) => WithAlerts(s => s.AcknowledgeAsync(caller, id, note));

    public Task<AlertDetail> UnacknowledgeAsync(ClaimsPrincipal caller, long id) => WithAlerts(s => s.UnacknowledgeAsync(caller, id));

    public Task<AlertDetail> ResolveAsync(ClaimsPrincipal caller, long id, string? note) => WithAlerts(s => s.ResolveAsync(caller, id, note));

    public Task<AlertDetail> AddNoteAsync(ClaimsPrincipal caller, long id, string? text) => WithAlerts(s => s.AddNoteAsync(caller, id, text));

    public Task<SilenceView> CreateSilenceAsync(ClaimsPrincipal caller, SilenceRequest request) => WithSilences(s => s.CreateAsync(caller, request));

    public Task<SilenceView> ExpireSilenceAsync(ClaimsPrincipal caller, Guid id) => WithSilences(s => s.ExpireAsync(caller, id));

    public Task<SilenceView> ExtendSilenceAsync(ClaimsPrincipal caller, Guid id, TimeSpan duration) => WithSilences(s => s.ExtendAsync(caller, id, null, duration));

    private async Task<T> WithAlerts<T>(Func<AlertService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<AlertService>());
    }

    private async Task<T> WithSilences<T>(Func<SilenceService, Task<T>> action)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<SilenceService>());
    }
}

/// <summary>What to tell a person when an alert action did not happen (null: not an expected refusal, let it surface).</summary>
public static class AlertMessages
{
    public const string StoreUnavailable = "The alert store cannot be reached right now, so nothing was changed. Try again shortly.";

    public static string? For(Exception exception) => exception switch
    {
        AlertRequestException e => e.Message,
        UnauthorizedAccessException e => e.Message,
        AuditUnavailableException e => e.Message,
        NpgsqlException or DbUpdateException or TimeoutException => StoreUnavailable,
        _ => null,
    };
}
