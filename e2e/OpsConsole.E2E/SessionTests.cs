using System.Text.RegularExpressions;

namespace OpsConsole.E2E;

[Collection(ConsoleCollection.Name)]
public sealed partial class SessionTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task Theme_toggle_persists_across_a_reload()
    {
        await using var session = await fixture.OpenAsAdminAsync();
        var page = session.Page;
        await Flows.OpenSystemPageLiveAsync(page); // the circuit is up: clicks reach the server

        var body = page.Locator("body");
        await Expect(body).ToHaveClassAsync(DarkTheme()); // no cookie yet: dark by default
        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(body).ToHaveClassAsync(LightTheme());
        var cookie = (await session.Context.CookiesAsync()).SingleOrDefault(c => c.Name == "opsconsole.theme");
        Assert.Equal("light", cookie?.Value);

        await page.ReloadAsync();
        await Expect(body).ToHaveClassAsync(LightTheme());
        await Flows.WaitForLiveSamplesAsync(page, changes: 1);
        await Expect(body).ToHaveClassAsync(LightTheme()); // still light once interactive

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(body).ToHaveClassAsync(DarkTheme());
        await page.ReloadAsync();
        await Expect(body).ToHaveClassAsync(DarkTheme());
        session.Log.AssertClean();
    }

    [Fact]
    public async Task Sign_out_from_the_user_menu_returns_to_sign_in_and_system_then_redirects_to_login()
    {
        await using var session = await fixture.OpenAsAdminAsync();
        var page = session.Page;
        await Flows.OpenSystemPageLiveAsync(page);

        var user = page.GetByTestId("signed-in-user");
        await Expect(user).ToContainTextAsync("admin");
        await user.ClickAsync();
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });
        await Expect(signOut).ToBeVisibleAsync();
        await signOut.ClickAsync();
        await Expect(page).ToHaveURLAsync(Flows.LoginPath());
        await Expect(page.Locator("#username")).ToBeVisibleAsync();

        await page.GotoAsync("/system");
        await Expect(page).ToHaveURLAsync(Flows.LoginPath());
        await Expect(page.GetByTestId("sampled-at")).ToHaveCountAsync(0);
        session.Log.AssertClean();
    }

    [GeneratedRegex(@"(^|\s)theme-dark(\s|$)")]
    private static partial Regex DarkTheme();

    [GeneratedRegex(@"(^|\s)theme-light(\s|$)")]
    private static partial Regex LightTheme();
}
