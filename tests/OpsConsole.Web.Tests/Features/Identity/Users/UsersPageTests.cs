using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using OpsConsole.Core.Identity;
using OpsConsole.Core.Identity.Users;
using OpsConsole.Web.Features.Identity.Users;
using OpsConsole.Web.Tests.Shared;

namespace OpsConsole.Web.Tests.Features.Identity.Users;

/// <summary>The users page over the real host: what the dialogs let through reaches the real account service.</summary>
[Collection(IdentityHostCollection.Name)]
public sealed class UsersPageTests : BunitContext, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = IdentityHost.Timeout;
    private readonly IdentityHost _host;

    public UsersPageTests(IdentityHost host)
    {
        _host = host;
        host.Forward(Services, typeof(UserAdministrationService), typeof(OpsConsole.Core.Identity.Sessions.UserSessionService));
        Services.AddSingleton(host.Services.GetRequiredService<SessionRevocations>());
        Services.AddMudServices();
        Services.AddViewerTime();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    [Fact]
    public async Task Disable_asks_in_a_dialog_naming_the_user_cancel_keeps_them_enabled_confirm_disables_them()
    {
        await _host.CreateUserAsync("dora", "Viewer");
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.Equal("active (one-time password)", Status(cut, "dora")), Timeout);

        await cut.InvokeAsync(() => Row(cut, "dora").QuerySelector("[data-testid=disable-user]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Disable user dora?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
        Assert.Contains("Every API token of dora is revoked", dialogs.Find("[data-testid=confirm-message]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Disable dora", dialogs.Find("[data-testid=confirm-accept]").TextContent.Trim());
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-cancel]").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=confirm-dialog]")), Timeout);
        Assert.Null((await _host.FindAsync("dora")).LockoutEnd); // the service was not called
        Assert.Equal("active (one-time password)", Status(cut, "dora"));

        await cut.InvokeAsync(() => Row(cut, "dora").QuerySelector("[data-testid=disable-user]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-accept]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal("disabled", Status(cut, "dora")), Timeout);
        Assert.StartsWith("dora is disabled and signed out everywhere", cut.Find("[data-testid=users-message]").TextContent, StringComparison.Ordinal);
        Assert.NotNull((await _host.FindAsync("dora")).LockoutEnd);
    }

    [Fact]
    public async Task A_password_reset_is_confirmed_and_shows_the_one_time_password_once_with_a_copy_button()
    {
        await _host.CreateUserAsync("reto", "Sre");
        var copy = JSInterop.Setup<bool>("opsConsole.copyText", _ => true).SetResult(false);
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, "reto")), Timeout);

        await cut.InvokeAsync(() => Row(cut, "reto").QuerySelector("[data-testid=reset-password]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Equal("Reset the password of reto?", dialogs.Find("[data-testid=confirm-title]").TextContent), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=one-time-password-panel]")), Timeout);
        var password = cut.Find("input[data-testid=one-time-password], [data-testid=one-time-password] input").GetAttribute("value");
        Assert.Matches("^[A-Za-z0-9]{20}$", password);
        Assert.Contains("reto", cut.Find("[data-testid=one-time-password-panel]").TextContent, StringComparison.Ordinal);

        // The browser refuses the clipboard (plain HTTP, say): the page says what to do instead.
        await cut.InvokeAsync(() => cut.Find("[data-testid=copy-one-time-password]").Click());
        cut.WaitForAssertion(() => Assert.Equal("The browser does not allow copying here; select the password and copy it.", cut.Find("[data-testid=copy-outcome]").TextContent), Timeout);
        Assert.Equal(password, Assert.Single(copy.Invocations).Arguments[0]);
    }

    [Fact]
    public async Task A_refusal_is_shown_in_words_naming_the_target()
    {
        var dialogs = Render<MudDialogProvider>();
        var cut = RenderPage();
        cut.WaitForAssertion(() => Assert.NotNull(Row(cut, AccountService.BootstrapAdminUserName)), Timeout);

        // The caller is this admin: the service refuses to disable their own account.
        await cut.InvokeAsync(() => Row(cut, AccountService.BootstrapAdminUserName).QuerySelector("[data-testid=disable-user]")!.Click());
        dialogs.WaitForAssertion(() => Assert.Single(dialogs.FindAll("[data-testid=confirm-accept]")), Timeout);
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=confirm-accept]").Click());

        cut.WaitForAssertion(() => Assert.Equal("Could not disable admin: You cannot disable your own account.", cut.Find("[data-testid=users-message]").TextContent), Timeout);
        Assert.Null((await _host.FindAsync(AccountService.BootstrapAdminUserName)).LockoutEnd);
    }

    private IRenderedComponent<UsersPage> RenderPage() =>
        Render<UsersPage>(p => p.AddCascadingValue(Task.FromResult(new AuthenticationState(_host.Admin))));

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<UsersPage> cut, string userName) => cut.Find($"tr[data-user='{userName}']");

    private static string Status(IRenderedComponent<UsersPage> cut, string userName) =>
        Row(cut, userName).QuerySelector("[data-testid=user-status]")!.TextContent;
}
