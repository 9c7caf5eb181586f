using OpsConsole.Web.Features.Identity.Account;

namespace OpsConsole.Web.Tests.Features.Identity.Account;

public sealed class IdentityRedirectManagerTests
{
    [Theory]
    [InlineData("/system")]
    [InlineData("/")]
    [InlineData("/system?tab=db#pool")]
    public void Local_paths_are_kept(string uri) =>
        Assert.Equal(uri, IdentityRedirectManager.LocalOrRoot(uri));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("system")]
    [InlineData("javascript:alert(1)")]
    public void Anything_else_goes_to_root(string? uri) =>
        Assert.Equal("/", IdentityRedirectManager.LocalOrRoot(uri));
}
