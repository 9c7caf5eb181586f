using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;

namespace OpsConsole.Core.Identity;

public enum LocalSignInStatus
{
    SignedIn,

    /// <summary>Signed in with a one-time password: the person must choose their own before anything else.</summary>
    MustChangePassword,
    Throttled,
    Failed,
    DatabaseUnavailable,
    AuditUnavailable,
}

/// <summary>The outcome of a local sign-in, with the message to show when it did not succeed.</summary>
public sealed record LocalSignInResult(LocalSignInStatus Status, string? Message = null)
{
    public bool Succeeded => Status is LocalSignInStatus.SignedIn or LocalSignInStatus.MustChangePassword;
}

/// <summary>
/// Signs a person in with a local account's user name and password: throttled per account name, checked with lockout
/// accounting before any cookie exists, and audited (<c>identity.signin.local</c>) whatever happens. A sign-in that
/// cannot be audited never happens: no audit, no action.
/// </summary>
public sealed partial class LocalSignInService(
    SignInManager<ConsoleUser> signIn, SignInThrottle throttle, AuditedActions actions, TimeProvider time, ILogger<LocalSignInService> logger)
{
    /// <summary>One message for every failure, so the page never reveals whether an account exists or is locked.</summary>
    public const string FailureMessage =
        "Sign-in failed. Check the user name and password. After 5 failed attempts an account is locked for 15 minutes.";

    public const string ThrottledMessage = "Too many sign-in attempts for this user name. Wait a minute and try again.";

    public const string DatabaseUnavailableMessage = "The console's database is unavailable, so nobody can sign in right now. Try again shortly.";

    public async Task<LocalSignInResult> SignInAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        userName = userName.Trim();
        if (!throttle.TryAttempt(userName))
        {
            await RecordAsync(null, userName, AuditOutcome.Denied, "too many attempts for this account name", cancellationToken);
            return new(LocalSignInStatus.Throttled, ThrottledMessage);
        }

        ConsoleUser? user;
        Microsoft.AspNetCore.Identity.SignInResult check;
        try
        {
            user = await signIn.UserManager.FindByNameAsync(userName);
            check = user is null
                ? Microsoft.AspNetCore.Identity.SignInResult.Failed
                : await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        }
        catch (Exception ex) when (ex.GetBaseException() is Npgsql.NpgsqlException or System.Net.Sockets.SocketException)
        {
            // The attempt still counts as a failed sign-in: with the database down, the trail spools it locally.
            LogDatabaseUnavailable(userName, ex.GetBaseException().Message);
            await RecordAsync(null, userName, AuditOutcome.Failed, "the console's database is unavailable", cancellationToken);
            return new(LocalSignInStatus.DatabaseUnavailable, DatabaseUnavailableMessage);
        }

        if (!check.Succeeded)
        {
            LogFailed(userName, check.IsLockedOut);
            await RecordAsync(user, userName, AuditOutcome.Failed,
                check.IsLockedOut ? "locked out" : check.IsNotAllowed ? "not allowed" : "wrong user name or password", cancellationToken);
            return new(LocalSignInStatus.Failed, FailureMessage);
        }

        try
        {
            await RecordAsync(user, userName, AuditOutcome.Succeeded, null, cancellationToken);
        }
        catch (AuditUnavailableException ex)
        {
            return new(LocalSignInStatus.AuditUnavailable, ex.Message);
        }

        await signIn.SignInAsync(user!, isPersistent: false, authenticationMethod: "pwd");
        user!.LastSignInAt = time.GetUtcNow();
        await signIn.UserManager.UpdateAsync(user);
        LogSignedIn(userName);
        return new(user.MustChangePassword ? LocalSignInStatus.MustChangePassword : LocalSignInStatus.SignedIn);
    }

    /// <summary>A successful sign-in is the person acting; a failed one is an anonymous attempt on that account name.</summary>
    private async Task RecordAsync(ConsoleUser? user, string userName, string outcome, string? reason, CancellationToken cancellationToken)
    {
        var actor = new ClaimsPrincipal(new ClaimsIdentity());
        if (user is not null && outcome == AuditOutcome.Succeeded)
        {
            var claims = new List<Claim>
            {
                new(ClaimTypes.NameIdentifier, user.Id),
                new(ClaimTypes.Name, user.UserName ?? userName),
            };
            claims.AddRange((await signIn.UserManager.GetRolesAsync(user)).Select(r => new Claim(ClaimTypes.Role, r)));
            actor = new(new ClaimsIdentity(claims, "pwd"));
        }

        await actions.RecordAsync(
            new AuditEntry(actor, "identity.signin.local", "user", user?.Id ?? "*", outcome, new Dictionary<string, string?> { ["userName"] = userName }, reason),
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in for {UserName} failed: the database is unavailable ({Error})")]
    private partial void LogDatabaseUnavailable(string userName, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in failed for {UserName} (locked out: {LockedOut})")]
    private partial void LogFailed(string userName, bool lockedOut);

    [LoggerMessage(Level = LogLevel.Information, Message = "{UserName} signed in")]
    private partial void LogSignedIn(string userName);
}
