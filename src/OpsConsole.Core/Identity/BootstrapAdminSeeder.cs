using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Data;
using OpsConsole.Core.Identity.External;

namespace OpsConsole.Core.Identity;

/// <summary>After migrating: the roles, and the bootstrap admin with its one-time password when there is no account yet.</summary>
public sealed partial class BootstrapAdminSeeder(
    AccountService accounts,
    IOptions<LocalAccountOptions> local,
    InitialAdminPasswordFile initialAdminPassword,
    ILogger<BootstrapAdminSeeder> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var admin = await accounts.EnsureBootstrapAdminAsync(local.Value.Enabled);
        if (admin is not null)
        {
            // Printed exactly once, at creation; afterwards only the file (mode 0600) holds it.
            LogBootstrapAdmin(admin.UserName, admin.Password, initialAdminPassword.Path);
        }
        else if (initialAdminPassword.Exists)
        {
            LogBootstrapPending(initialAdminPassword.Path);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "First sign-in: user '{UserName}' with one-time password {OneTimePassword} (also written to {PasswordFile}); it must be changed at first sign-in")]
    private partial void LogBootstrapAdmin(string userName, string oneTimePassword, string passwordFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "The bootstrap admin has not changed its one-time password yet; it is in {PasswordFile}")]
    private partial void LogBootstrapPending(string passwordFile);
}
