namespace OpsConsole.Core.Access;

public static class ConsoleClaims
{
    /// <summary>Present while the account still holds a one-time password; the host then allows only the change-password page.</summary>
    public const string MustChangePassword = "opsconsole:must_change_password";

    /// <summary>The wall display a device cookie belongs to (displays have no user id).</summary>
    public const string DisplayId = "opsconsole:display_id";

    /// <summary>The display's stamp when it paired; a revocation or re-pairing changes the stored one.</summary>
    public const string DisplayStamp = "opsconsole:display_stamp";

    /// <summary>On the anonymous principal of a circuit whose display was revoked: show the revoked screen, not sign-in.</summary>
    public const string RevokedDisplay = "opsconsole:display_revoked";

    /// <summary>The person's sign-in session (a UserSession row); ending that row ends this cookie.</summary>
    public const string SessionId = "opsconsole:session_id";

    /// <summary>How the caller authenticated when it was not the sign-in cookie ("api-token", "oidc-bearer").</summary>
    public const string AuthMethod = "opsconsole:auth_method";

    public const string TokenId = "opsconsole:token_id";

    public const string TokenName = "opsconsole:token_name";

    /// <summary>Marks the console's own principal for background work, recorded as actor "system".</summary>
    public const string System = "opsconsole:system";
}
