using Microsoft.AspNetCore.Identity;
using OpsConsole.Core.Access;

namespace OpsConsole.Core.Identity;

/// <summary>Rejects a new password equal to the account's current one (the one-time password must really be replaced).</summary>
public sealed class NewPasswordDiffersValidator : IPasswordValidator<ConsoleUser>
{
    public const string ErrorCode = "PasswordUnchanged";

    public Task<IdentityResult> ValidateAsync(UserManager<ConsoleUser> manager, ConsoleUser user, string? password)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(user);
        if (password is not null && user.PasswordHash is not null
            && manager.PasswordHasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed)
        {
            return Task.FromResult(IdentityResult.Failed(new IdentityError
            {
                Code = ErrorCode,
                Description = "The new password must differ from the current (one-time) password.",
            }));
        }

        return Task.FromResult(IdentityResult.Success);
    }
}
