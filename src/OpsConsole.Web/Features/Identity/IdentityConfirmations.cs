using OpsConsole.Web.Shared;

namespace OpsConsole.Web.Features.Identity;

/// <summary>
/// What the identity pages ask before an action that takes access away: the target by name and what the Core service
/// really does (UserAdministrationService, ApiTokenService, UserSessionService, DisplayDeviceService).
/// </summary>
public static class IdentityConfirmations
{
    public static Confirmation Disable(string userName) => new(
        $"Disable user {userName}?",
        $"{userName} can no longer sign in and is signed out everywhere at once: open pages go to the sign-in page. "
        + $"Every API token of {userName} is revoked for good; enabling the account later does not bring them back.",
        $"Disable {userName}");

    public static Confirmation ResetPassword(string userName) => new(
        $"Reset the password of {userName}?",
        $"The current password of {userName} stops working and you get a one-time password to pass on, shown once. "
        + $"{userName} is signed out everywhere, every API token of {userName} is revoked, and a lockout is lifted. "
        + "At the next sign-in they choose a new password.",
        $"Reset password of {userName}");

    public static Confirmation SignOutEverywhere(string userName) => new(
        $"Sign {userName} out everywhere?",
        $"Every sign-in session of {userName} ends now and their open pages go to the sign-in page; they can sign in again. "
        + $"API tokens of {userName} keep working (revoke them under Tokens).",
        $"Sign {userName} out");

    /// <summary>A token of <paramref name="ownerName"/> (an administrator's view), or the caller's own when null.</summary>
    public static Confirmation RevokeToken(string tokenName, string? ownerName = null) => new(
        ownerName is null ? $"Revoke API token {tokenName}?" : $"Revoke API token {tokenName} of {ownerName}?",
        $"Scripts and tools using {tokenName} get 401 from their next call on. A revoked token cannot be restored; a new one "
        + "can be created, with a new secret.",
        $"Revoke {tokenName}");

    /// <summary>One session, described by its browser and address; <paramref name="ownerName"/> null for the caller's own.</summary>
    public static Confirmation EndSession(string browser, string? address, string? ownerName = null)
    {
        var where = address is null ? browser : $"{browser} ({address})";
        return new(
            ownerName is null ? $"Sign out your session in {where}?" : $"Sign out the session of {ownerName} in {where}?",
            "That session ends now and its open pages go to the sign-in page. Other sessions stay signed in.",
            $"Sign out {browser}");
    }

    public static Confirmation EndOtherSessions(int count) => new(
        "Sign out all your other sessions?",
        count == 1
            ? "Your 1 other session ends now and its open pages go to the sign-in page. This session stays signed in."
            : $"Your {count} other sessions end now and their open pages go to the sign-in page. This session stays signed in.",
        count == 1 ? "Sign out 1 session" : $"Sign out {count} sessions");

    public static Confirmation RevokeDisplay(string displayName) => new(
        $"Revoke display {displayName}?",
        $"{displayName} is signed out at once: its open wall switches to a \"revoked\" screen, and a pairing code it was "
        + "given stops working. To use it again, issue a new pairing code and pair it once more.",
        $"Revoke {displayName}");
}
