using System.Security.Claims;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Operations;

/// <summary>The Operations page's two sections: what is running or waiting, and the last finished ones, newest first.</summary>
public sealed record OperationLists(IReadOnlyList<OperationView> Active, IReadOnlyList<OperationView> Recent)
{
    public static OperationLists Empty { get; } = new([], []);
}

public static class OperationListing
{
    /// <summary>How many finished operations "Recent" shows.</summary>
    public const int RecentCount = 100;

    /// <summary>
    /// Reads both sections. Active operations are among the newest rows, so asking for <see cref="RecentCount"/> more than
    /// there are active ones and keeping the final ones gives the last <see cref="RecentCount"/> finished.
    /// </summary>
    public static async Task<OperationLists> LoadAsync(IOperationService service, ClaimsPrincipal caller, string? kind, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        var active = await service.ListAsync(caller, new OperationQuery(ActiveOnly: true, Target: target, Kind: kind, Limit: 1000), cancellationToken);
        var latest = await service.ListAsync(caller, new OperationQuery(ActiveOnly: false, Target: target, Kind: kind, Limit: RecentCount + active.Count), cancellationToken);
        return new OperationLists(
            [.. active.OrderBy(o => Rank(o.State)).ThenByDescending(o => o.RequestedAt)],
            [.. latest.Where(o => o.IsFinal).OrderByDescending(o => o.EndedAt ?? o.RequestedAt).Take(RecentCount)]);
    }

    // Running first (it is what people watch), then what waits for a person, then what waits for its turn.
    private static int Rank(OperationState state) => state switch
    {
        OperationState.Running => 0,
        OperationState.AwaitingApproval => 1,
        _ => 2,
    };
}

/// <summary>
/// One service scope per call: a circuit outlives any DbContext, and a live refresh may run beside a click, so the
/// pages never hold an <see cref="IOperationService"/> (and its DbContext) for their lifetime.
/// </summary>
public static class OperationScopes
{
    public static async Task<T> WithOperationsAsync<T>(this IServiceScopeFactory scopes, Func<IOperationService, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(call);
        await using var scope = scopes.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<IOperationService>());
    }

    /// <summary>For the service's synchronous hints (<see cref="IOperationService.CanCancel"/>).</summary>
    public static T WithOperations<T>(this IServiceScopeFactory scopes, Func<IOperationService, T> call)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(call);
        using var scope = scopes.CreateScope();
        return call(scope.ServiceProvider.GetRequiredService<IOperationService>());
    }
}

/// <summary>Addresses of the operation pages, for this slice and for pages that link here (the Databases page).</summary>
public static class OperationLinks
{
    /// <summary>"/operations", "/operations?target=database%3Asampleshop", "/operations?kind=backup&amp;target=…".</summary>
    public static string List(string? kind = null, string? target = null)
    {
        var query = new List<string>(2);
        if (!string.IsNullOrEmpty(kind))
        {
            query.Add($"kind={Uri.EscapeDataString(kind)}");
        }

        if (!string.IsNullOrEmpty(target))
        {
            query.Add($"target={Uri.EscapeDataString(target)}");
        }

        return query.Count == 0 ? "/operations" : "/operations?" + string.Join('&', query);
    }

    public static string Detail(Guid id) => $"/operations/{id}";
}
