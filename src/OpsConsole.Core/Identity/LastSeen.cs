using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Core.Identity;

/// <summary>
/// When and from where a session or a display was last seen: written at most once per <see cref="Resolution"/> (pages
/// and walls check on every request all day; writing each time would turn reads into writes), or at once when the
/// address moved. Informational only: nothing is decided on it.
/// </summary>
internal static class LastSeen
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    public static bool IsDue(DateTimeOffset? lastSeenAt, string? lastAddress, string? address, DateTimeOffset now) =>
        lastSeenAt is null || now - lastSeenAt >= Resolution || (address is not null && !string.Equals(address, lastAddress, StringComparison.Ordinal));

    /// <summary>Writes the time, the address and (when one was sent) the user agent, cut to the columns' lengths.</summary>
    public static Task<int> WriteAsync<T, TSeen>(
        IQueryable<T> row, Expression<Func<T, TSeen>> seenAt, TSeen now, Expression<Func<T, string?>> addressColumn, string? address,
        Expression<Func<T, string?>> agentColumn, string? userAgent, CancellationToken cancellationToken)
        where T : class
    {
        var agent = string.IsNullOrEmpty(userAgent) ? null : userAgent.Length <= 512 ? userAgent : userAgent[..512];
        return row.ExecuteUpdateAsync(
            set =>
            {
                set.SetProperty(seenAt, now).SetProperty(addressColumn, address);
                if (agent is not null)
                {
                    set.SetProperty(agentColumn, agent);
                }
            },
            cancellationToken);
    }
}
