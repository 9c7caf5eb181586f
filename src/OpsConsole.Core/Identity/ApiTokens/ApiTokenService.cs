using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Data;

namespace OpsConsole.Core.Identity.ApiTokens;

public sealed record CreatedApiToken(ApiToken Token, string Secret);

/// <summary>Why a presented token was not accepted; each becomes a distinct 401 problem.</summary>
public enum ApiTokenRejection
{
    Malformed,
    Unknown,
    Expired,
    Revoked,
    UserDisabled,
}

public sealed record ApiTokenValidation(ApiToken? Token, ConsoleUser? User, IReadOnlyList<string> Roles, ApiTokenRejection? Rejection)
{
    public bool IsValid => Rejection is null;
}

/// <summary>Creates, validates and revokes personal API tokens (`opc_` + 256 random bits, stored as SHA-256).</summary>
public sealed partial class ApiTokenService(
    ConsoleDbContext db,
    UserManager<ConsoleUser> users,
    Audit.AuditedActions actions,
    ApiTokenCache cache,
    TimeProvider time,
    ILogger<ApiTokenService> logger)
{
    public const string Prefix = "opc_";
    public static readonly TimeSpan MaximumLifetime = TimeSpan.FromDays(366);

    // Last-used is informational; writing it on every request would turn reads into writes.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <param name="actor">Who creates it (the user on their profile, or the admin CLI); recorded in the audit log.</param>
    public async Task<CreatedApiToken> CreateAsync(
        ConsoleUser user, string name, TimeSpan lifetime, IReadOnlyCollection<string>? roles,
        CancellationToken cancellationToken = default, System.Security.Claims.ClaimsPrincipal? actor = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("A token needs a name of 1 to 100 characters.");
        }

        if (lifetime <= TimeSpan.Zero || lifetime > MaximumLifetime)
        {
            throw new ArgumentException("A token expires after more than 0 and at most 366 days.");
        }

        var userRoles = await users.GetRolesAsync(user);
        var narrowed = new List<string>();
        foreach (var role in roles ?? [])
        {
            var canonical = ConsoleRoles.Normalize(role) ?? throw new ArgumentException($"Unknown role '{role}'.");
            if (!userRoles.Contains(canonical))
            {
                throw new ArgumentException($"{user.UserName} does not hold the role {canonical}; a token cannot have more than its user.");
            }

            narrowed.Add(canonical);
        }

        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = name.Trim(),
            DisplayPrefix = secret[..(Prefix.Length + 6)],
            Hash = HashOf(secret),
            Roles = narrowed,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        await actions.RunAsync(actor ?? Audit.AuditActors.System, async act =>
        {
            db.ApiTokens.Add(token);
            await db.SaveChangesAsync(cancellationToken);
            await act.RecordAsync("identity.token.created", "token", token.Id.ToString(),
                ("name", token.Name),
                ("user", user.UserName),
                ("expiresAt", token.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)),
                ("roles", string.Join(",", narrowed)));
            return token;
        }, cancellationToken);
        LogCreated(token.Name, user.UserName, token.ExpiresAt);
        return new CreatedApiToken(token, secret);
    }

    public async Task<ApiTokenValidation> ValidateAsync(string presented, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(presented) || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 100)
        {
            return Rejected(ApiTokenRejection.Malformed);
        }

        var hash = HashOf(presented);
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Hash == hash, cancellationToken);
        // The lookup is by hash; the fixed-time compare keeps the final check free of timing differences.
        if (token is null || !CryptographicOperations.FixedTimeEquals(token.Hash, hash))
        {
            return Rejected(ApiTokenRejection.Unknown);
        }

        var now = time.GetUtcNow();
        if (token.RevokedAt is not null)
        {
            return Rejected(ApiTokenRejection.Revoked, token);
        }

        if (token.ExpiresAt <= now)
        {
            return Rejected(ApiTokenRejection.Expired, token);
        }

        var user = await users.FindByIdAsync(token.UserId);
        if (user is null || (user.LockoutEnd is { } end && end > now))
        {
            return Rejected(ApiTokenRejection.UserDisabled, token);
        }

        var userRoles = await users.GetRolesAsync(user);
        var effective = token.Roles.Count == 0 ? userRoles.ToList() : token.Roles.Intersect(userRoles, StringComparer.Ordinal).ToList();
        if (token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution)
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        return new ApiTokenValidation(token, user, effective, null);
    }

    /// <summary>Revokes a token of the calling user; only an Admin may revoke someone else's.</summary>
    public async Task<bool> RevokeAsync(
        Guid tokenId, ConsoleUser caller, bool callerIsAdmin, CancellationToken cancellationToken = default, System.Security.Claims.ClaimsPrincipal? actor = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var owner = await db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.UserId).SingleOrDefaultAsync(cancellationToken);
        if (owner is null)
        {
            return false;
        }

        if (owner != caller.Id && !callerIsAdmin)
        {
            throw new UnauthorizedAccessException("Only an administrator may revoke another user's token.");
        }

        return await actions.RunAsync(actor ?? Audit.AuditActors.System, async act =>
        {
            var revoked = await RevokeAsync(tokenId, caller.UserName ?? caller.Id, cancellationToken);
            if (revoked)
            {
                await act.RecordAsync("identity.token.revoked", "token", tokenId.ToString(), ("owner", owner));
            }

            return revoked;
        }, cancellationToken);
    }

    /// <summary>The user id the token belongs to; null for an unknown token.</summary>
    public Task<string?> OwnerOfAsync(Guid tokenId, CancellationToken cancellationToken = default) =>
        db.ApiTokens.Where(t => t.Id == tokenId).Select(t => t.UserId).SingleOrDefaultAsync(cancellationToken);

    public async Task<bool> RevokeAsync(Guid tokenId, string revokedBy, CancellationToken cancellationToken = default)
    {
        var token = await db.ApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId, cancellationToken);
        if (token is null || token.RevokedAt is not null)
        {
            return false;
        }

        token.RevokedAt = time.GetUtcNow();
        token.RevokedBy = revokedBy;
        await db.SaveChangesAsync(cancellationToken);
        // After the caller's commit, if it has a transaction: here at once, on the other instances through the event.
        db.OnCommitted(() => cache.Forget(tokenId));
        actions.Publish(IdentityTopics.TokensRevoked, new ApiTokensRevoked(tokenId, null));
        LogRevoked(token.Name, revokedBy);
        return true;
    }

    /// <summary>Revokes every live token of <paramref name="userId"/> in the caller's transaction; the count.</summary>
    public async Task<int> RevokeAllAsync(string userId, string revokedBy, CancellationToken cancellationToken = default)
    {
        var revoked = await RevokeAllAsync(db, userId, revokedBy, time.GetUtcNow(), cancellationToken);
        ForgetCachedAfterCommit(userId);
        return revoked;
    }

    /// <summary>
    /// After the caller's commit, every cached validation of the user's tokens is dropped (here at once, elsewhere through
    /// the event): their roles or their account changed.
    /// </summary>
    public void ForgetCachedAfterCommit(string userId)
    {
        db.OnCommitted(() => cache.ForgetUser(userId));
        actions.Publish(IdentityTopics.TokensRevoked, new ApiTokensRevoked(null, userId));
    }

    /// <summary>Revokes every live token of <paramref name="userId"/> (disabling the account or resetting its password); the count.</summary>
    public static Task<int> RevokeAllAsync(ConsoleDbContext db, string userId, string revokedBy, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.ApiTokens
            .Where(t => t.UserId == userId && t.RevokedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, now).SetProperty(t => t.RevokedBy, revokedBy), cancellationToken);
    }

    public Task<List<ApiToken>> ListAsync(string userId, CancellationToken cancellationToken = default) =>
        db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);

    internal static byte[] HashOf(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ApiTokenValidation Rejected(ApiTokenRejection reason, ApiToken? token = null) => new(token, null, [], reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "API token '{Name}' created for {UserName}, expires {ExpiresAt:u}")]
    private partial void LogCreated(string name, string? userName, DateTimeOffset expiresAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "API token '{Name}' revoked by {RevokedBy}")]
    private partial void LogRevoked(string name, string revokedBy);
}
