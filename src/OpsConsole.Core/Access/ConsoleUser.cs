using Microsoft.AspNetCore.Identity;

namespace OpsConsole.Core.Access;

/// <summary>A local console account (ASP.NET Core Identity user) with the console's own flags.</summary>
public sealed class ConsoleUser : IdentityUser
{
    public ConsoleUser()
    {
    }

    public ConsoleUser(string userName) : base(userName)
    {
    }

    public string? DisplayName { get; set; }

    /// <summary>Set for one-time passwords (bootstrap admin, CLI-created users, resets): the next sign-in must choose a new one.</summary>
    public bool MustChangePassword { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
