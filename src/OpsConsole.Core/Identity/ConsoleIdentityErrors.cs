using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace OpsConsole.Core.Identity;

/// <summary>
/// ASP.NET Identity's errors in the console's words, written once here so the Users page, the API's problem details
/// and the admin CLI say the same thing. Identity's own texts name rules the console does not have ("can only contain
/// letters or digits" while it also allows <c>- . _ @ +</c>); these follow the configured options.
/// </summary>
public sealed class ConsoleIdentityErrorDescriber(IOptions<IdentityOptions> options) : IdentityErrorDescriber
{
    public override IdentityError InvalidUserName(string? userName) => new()
    {
        Code = nameof(InvalidUserName),
        Description = string.IsNullOrWhiteSpace(userName) ? "A user name is required." : AllowedCharactersText(options.Value.User.AllowedUserNameCharacters),
    };

    public override IdentityError DuplicateUserName(string userName) => new()
    {
        Code = nameof(DuplicateUserName),
        Description = $"A user named '{userName}' already exists.",
    };

    public override IdentityError PasswordMismatch() => new()
    {
        Code = nameof(PasswordMismatch),
        Description = "The current password is wrong.",
    };

    public override IdentityError PasswordTooShort(int length) => new()
    {
        Code = nameof(PasswordTooShort),
        Description = string.Create(CultureInfo.InvariantCulture, $"The password must be at least {length} characters long."),
    };

    public override IdentityError PasswordRequiresUniqueChars(int uniqueChars) => new()
    {
        Code = nameof(PasswordRequiresUniqueChars),
        Description = string.Create(CultureInfo.InvariantCulture, $"The password must contain at least {uniqueChars} different characters."),
    };

    public override IdentityError ConcurrencyFailure() => new()
    {
        Code = nameof(ConcurrencyFailure),
        Description = "Someone else changed this account at the same moment; nothing was saved. Try again.",
    };

    /// <summary>"User name may contain only letters, digits and - . _ @ +" for the configured characters.</summary>
    public static string AllowedCharactersText(string? allowed)
    {
        if (string.IsNullOrEmpty(allowed))
        {
            return "A user name is required.";
        }

        var kinds = new List<string>();
        if (allowed.Any(char.IsAsciiLetter))
        {
            kinds.Add("letters");
        }

        if (allowed.Any(char.IsAsciiDigit))
        {
            kinds.Add("digits");
        }

        var others = string.Join(' ', allowed.Where(c => !char.IsAsciiLetterOrDigit(c)).Distinct());
        if (others.Length > 0)
        {
            kinds.Add(others);
        }

        var list = kinds.Count == 1 ? kinds[0] : string.Join(", ", kinds[..^1]) + " and " + kinds[^1];
        return $"User name may contain only {list}";
    }
}

/// <summary>An <see cref="IdentityResult"/>'s errors as one message: each description once, in the order given.</summary>
public static class IdentityErrorText
{
    public static string Of(IdentityResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var descriptions = result.Errors.Select(e => e.Description.Trim()).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return descriptions.Count == 0 ? "The account could not be changed." : string.Join(" ", descriptions);
    }
}
