using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Identity;

namespace OpsConsole.Core.Tests.Identity;

public sealed class ConsoleIdentityErrorsTests
{
    private const string ConsoleCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";

    private static ConsoleIdentityErrorDescriber Describer(string allowed = ConsoleCharacters)
    {
        var options = new IdentityOptions();
        options.User.AllowedUserNameCharacters = allowed;
        return new ConsoleIdentityErrorDescriber(Options.Create(options));
    }

    [Fact]
    public void A_bad_user_name_is_told_in_words_from_the_allowed_characters_without_repeating_the_name()
    {
        var error = Describer().InvalidUserName("bad name");

        Assert.Equal(("InvalidUserName", "User name may contain only letters, digits and - . _ @ +"), (error.Code, error.Description));
        Assert.Equal("User name may contain only letters, digits and - . _ @", Describer(ConsoleCharacters[..^1]).InvalidUserName("x y").Description);
        Assert.Equal("User name may contain only letters", Describer("abcxyzABC").InvalidUserName("x y").Description);
        Assert.Equal("A user name is required.", Describer().InvalidUserName(" ").Description);
    }

    [Fact]
    public async Task Identity_itself_uses_these_words_when_it_validates_a_user()
    {
        var options = new IdentityOptions();
        options.User.AllowedUserNameCharacters = ConsoleCharacters;
        var validator = new UserValidator<IdentityUser>(new ConsoleIdentityErrorDescriber(Options.Create(options)));
        using var manager = new UserManager<IdentityUser>(new NoStore(), Options.Create(options), new PasswordHasher<IdentityUser>(),
            [validator], [], new UpperInvariantLookupNormalizer(), new ConsoleIdentityErrorDescriber(Options.Create(options)), null!, null!);

        var result = await validator.ValidateAsync(manager, new IdentityUser("bad name"));

        Assert.Equal("User name may contain only letters, digits and - . _ @ +", IdentityErrorText.Of(result));
    }

    [Fact]
    public void A_result_reads_each_description_once()
    {
        var result = IdentityResult.Failed(
            new IdentityError { Code = "A", Description = "The password must be at least 12 characters long." },
            new IdentityError { Code = "B", Description = "The password must be at least 12 characters long." },
            new IdentityError { Code = "C", Description = "The password must contain at least 4 different characters." });

        Assert.Equal("The password must be at least 12 characters long. The password must contain at least 4 different characters.", IdentityErrorText.Of(result));
    }

    /// <summary>A store the validator never reaches for a name that is already invalid.</summary>
    private sealed class NoStore : IUserStore<IdentityUser>
    {
        public void Dispose()
        {
        }

        public Task<IdentityUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken) => Task.FromResult<IdentityUser?>(null);

        public Task<string?> GetUserNameAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.UserName);

        public Task<string> GetUserIdAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.Id);

        public Task<string?> GetNormalizedUserNameAsync(IdentityUser user, CancellationToken cancellationToken) => Task.FromResult(user.NormalizedUserName);

        public Task SetUserNameAsync(IdentityUser user, string? userName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SetNormalizedUserNameAsync(IdentityUser user, string? normalizedName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IdentityResult> CreateAsync(IdentityUser user, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IdentityResult> UpdateAsync(IdentityUser user, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IdentityResult> DeleteAsync(IdentityUser user, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IdentityUser?> FindByIdAsync(string userId, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
