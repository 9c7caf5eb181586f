using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.Core.Data;
using OpsConsole.Core.SystemStatus;

namespace OpsConsole.Core.Identity.Sessions;

/// <summary>
/// Per-sign-in session records: started by the sign-in manager, checked on every cookie request, listed for their
/// owner (and administrators), ended one by one or all at once. Ending one publishes
/// <see cref="IdentityTopics.SessionEnded"/>, so its open circuits lose access at once.
/// </summary>
public sealed class UserSessionService(
    ConsoleDbContext db,
    UserManager<ConsoleUser> users,
    AuditedActions actions,
    CircuitTracker circuits,
    TimeProvider time)
{
    /// <summary>Who may see and end other people's sessions, and how a refusal is recorded.</summary>
    public static readonly AccessRule Administer = new(
        ConsolePolicies.Administer, "identity.sessions.access", "session", "Listing other people's sessions needs the Admin role.");

    /// <summary>The sign-in cookie's sliding lifetime; a session unseen for this long has expired with its cookie.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);


    public static Guid? SessionIdOf(ClaimsPrincipal? principal) =>
        Guid.TryParse(principal?.FindFirstValue(ConsoleClaims.SessionId), out var id) ? id : null;

    /// <summary>A new session for a sign-in; its id goes into the cookie.</summary>
    public async Task<UserSession> StartAsync(ConsoleUser user, string? ipAddress, string? userAgent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var now = time.GetUtcNow();
        var session = new UserSession
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            CreatedAt = now,
            LastSeenAt = now,
            IpAddress = Truncate(ipAddress, 64),
            UserAgent = Truncate(userAgent, 512),
            SecurityStamp = await users.GetSecurityStampAsync(user),
        };
        db.UserSessions.Add(session);
        await db.SaveChangesAsync(cancellationToken);
        return session;
    }

    /// <summary>
    /// Keeps an existing session across a cookie refresh (e.g. after the user changed their password, which renews
    /// the stamp); false when it cannot continue (ended, or someone else's).
    /// </summary>
    public async Task<bool> ContinueAsync(Guid sessionId, ConsoleUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var stamp = await users.GetSecurityStampAsync(user);
        var updated = await db.UserSessions
            .Where(s => s.Id == sessionId && s.UserId == user.Id && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecurityStamp, stamp).SetProperty(x => x.LastSeenAt, time.GetUtcNow()), cancellationToken);
        return updated == 1;
    }

    /// <summary>True while the session has not ended; records when and from where it was last seen (throttled).</summary>
    public async Task<bool> TouchAsync(Guid sessionId, string userId, string? ipAddress, string? userAgent, CancellationToken cancellationToken = default)
    {
        var session = await db.UserSessions.AsNoTracking()
            .Where(s => s.Id == sessionId && s.UserId == userId)
            .Select(s => new { s.EndedAt, s.LastSeenAt, s.IpAddress })
            .SingleOrDefaultAsync(cancellationToken);
        if (session is null || session.EndedAt is not null)
        {
            return false;
        }

        var now = time.GetUtcNow();
        var ip = Truncate(ipAddress, 64) ?? session.IpAddress;
        if (LastSeen.IsDue(session.LastSeenAt, session.IpAddress, ip, now))
        {
            await LastSeen.WriteAsync(db.UserSessions.Where(s => s.Id == sessionId), s => s.LastSeenAt, now, s => s.IpAddress, ip, s => s.UserAgent, userAgent, cancellationToken);
        }

        return true;
    }

    /// <summary>The user's live sessions, newest activity first, with the circuits each holds open on this instance.</summary>
    public async Task<IReadOnlyList<UserSessionInfo>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        var user = await users.FindByIdAsync(userId);
        if (user is null)
        {
            return [];
        }

        // A renewed security stamp (password change elsewhere, roles changed, reset, disabled) ended the older sessions.
        var stamp = await users.GetSecurityStampAsync(user);
        var since = time.GetUtcNow() - IdleTimeout;
        var sessions = await db.UserSessions.AsNoTracking()
            .Where(s => s.UserId == userId && s.EndedAt == null && s.SecurityStamp == stamp && s.LastSeenAt > since)
            .OrderByDescending(s => s.LastSeenAt)
            .ToListAsync(cancellationToken);
        return [.. sessions.Select(s => new UserSessionInfo(
            s.Id, s.CreatedAt, s.LastSeenAt, s.IpAddress, s.UserAgent, UserAgentSummary.Describe(s.UserAgent), circuits.CircuitsOf(s.Id.ToString())))];
    }

    /// <summary>Any user's live sessions, for administrators.</summary>
    public async Task<IReadOnlyList<UserSessionInfo>> ListForAdminAsync(ClaimsPrincipal caller, string userId, CancellationToken cancellationToken = default)
    {
        await actions.DemandAsync(caller, Administer, cancellationToken);
        return await ListAsync(userId, cancellationToken);
    }

    /// <summary>Ends one session: the caller's own, or (Admin) anyone's. False when there is no such live session.</summary>
    public async Task<bool> EndAsync(ClaimsPrincipal caller, Guid sessionId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var session = await db.UserSessions.SingleOrDefaultAsync(s => s.Id == sessionId && s.EndedAt == null, cancellationToken);
        if (session is null)
        {
            return false;
        }

        if (session.UserId != caller.FindFirstValue(ClaimTypes.NameIdentifier))
        {
            if (!await actions.IsAllowedAsync(caller, ConsolePolicies.Administer))
            {
                await actions.RunAsync(caller, async act =>
                {
                    await act.RecordAsync("identity.session.end", "session", sessionId.ToString(), AuditOutcome.Denied);
                    return false;
                }, cancellationToken);
                return false; // as if it did not exist: other people's session ids are not the caller's business
            }
        }

        await EndAsync(caller, [session], "signed out from another session", cancellationToken);
        return true;
    }

    /// <summary>Ends every live session of the caller except <paramref name="keep"/> (their current one); returns how many.</summary>
    public async Task<int> EndOthersAsync(ClaimsPrincipal caller, Guid? keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var userId = caller.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return 0;
        }

        var others = await db.UserSessions.Where(s => s.UserId == userId && s.EndedAt == null && s.Id != keep).ToListAsync(cancellationToken);
        await EndAsync(caller, others, "signed out from another session", cancellationToken);
        return others.Count;
    }

    /// <summary>Ends every session of the user; the caller (an administrator) was checked by the calling service.</summary>
    internal async Task EndAllAsync(ClaimsPrincipal caller, string userId, string reason, CancellationToken cancellationToken = default)
    {
        var all = await db.UserSessions.Where(s => s.UserId == userId && s.EndedAt == null).ToListAsync(cancellationToken);
        await EndAsync(caller, all, reason, cancellationToken);
    }

    /// <summary>The session of a principal that signs out; nothing when it carries none.</summary>
    internal async Task EndCurrentAsync(ClaimsPrincipal principal, CancellationToken cancellationToken = default)
    {
        if (SessionIdOf(principal) is not { } id)
        {
            return;
        }

        var session = await db.UserSessions.SingleOrDefaultAsync(s => s.Id == id && s.EndedAt == null, cancellationToken);
        if (session is not null)
        {
            await EndAsync(principal, [session], "signed out", cancellationToken);
        }
    }

    private Task EndAsync(ClaimsPrincipal caller, IReadOnlyCollection<UserSession> sessions, string reason, CancellationToken cancellationToken)
    {
        if (sessions.Count == 0)
        {
            return Task.CompletedTask;
        }

        return actions.RunAsync(caller, async act =>
        {
            var now = time.GetUtcNow();
            foreach (var session in sessions)
            {
                session.EndedAt = now;
                session.EndedReason = reason;
                session.EndedBy = Truncate(caller.Identity?.Name, 256);
            }

            await db.SaveChangesAsync(cancellationToken);
            foreach (var session in sessions)
            {
                act.Publish(IdentityTopics.SessionEnded, new SessionEnded(session.Id, session.UserId, reason));
                await act.RecordAsync("identity.session.ended", "session", session.Id.ToString(), ("userId", session.UserId), ("reason", reason));
            }

            return true;
        }, cancellationToken);
    }

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}
