namespace OpsConsole.Core.Identity;

public static class ConsoleClaims
{
    /// <summary>Present while the account still holds a one-time password; the host then allows only the change-password page.</summary>
    public const string MustChangePassword = "opsconsole:must_change_password";
}
