using OpsConsole.TestOidcProvider;

namespace OpsConsole.E2E;

/// <summary>
/// A person signs in through the organisation's provider in a real browser: the console process is configured
/// with Authentication:Oidc pointing at a real OpenID Connect provider (OpenIddict) on loopback.
/// </summary>
public sealed class OidcSignInTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_person_signs_in_with_the_provider_and_lands_signed_in_with_the_mapped_roles()
    {
        await using var provider = await LocalOidcProvider.StartAsync();
        provider.SetUser(new ProviderUser("sub-olivia", "olivia@example.com", "olivia-password", "Olivia Oncall", ["ops-oncall"]));
        var dataDirectory = ConsoleProcess.NewDataDirectory();
        try
        {
            await using var chromium = await Chromium.LaunchAsync();
            await using var console = await ConsoleProcess.StartAsync(dataDirectory, "oidc", new Dictionary<string, string>
            {
                ["Authentication__Oidc__DisplayName"] = "Example SSO",
                ["Authentication__Oidc__Authority"] = provider.Issuer.ToString(),
                ["Authentication__Oidc__ClientId"] = "opsconsole-e2e",
                ["Authentication__Oidc__ClientSecret"] = "e2e-client-secret",
                ["Authentication__Oidc__RequireHttpsMetadata"] = "false",
                ["Authentication__Oidc__RoleClaimType"] = LocalOidcProvider.GroupsClaim,
                ["Authentication__Oidc__RoleMap__ops-oncall"] = "Sre,OnCall",
            });
            await provider.RegisterClientAsync("opsconsole-e2e", "e2e-client-secret", new Uri(console.BaseAddress, "/signin-oidc"));
            await using var session = await chromium.OpenAsync(console.BaseAddress);
            var page = session.Page;

            await page.GotoAsync("/system");
            await Expect(page).ToHaveURLAsync(Flows.LoginPath());
            await Expect(page.GetByTestId("oidc-signin")).ToHaveTextAsync("Sign in with Example SSO");
            await Screenshots.SaveAsync(page, "login-with-provider-1366x768.png", output);
            await page.GetByTestId("oidc-signin").ClickAsync();

            // The provider's own sign-in form, on its own origin.
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"^{provider.Issuer}login"));
            await page.Locator("input[name=username]").FillAsync("olivia@example.com");
            await page.Locator("input[name=password]").FillAsync("olivia-password");
            await page.Locator("button[type=submit]").ClickAsync();

            // Back on the console, on the page first asked for, signed in with the roles the map gives.
            await Expect(page).ToHaveURLAsync(new Uri(console.BaseAddress, "/system").ToString());
            await Expect(page.GetByTestId("signed-in-user")).ToHaveTextAsync("olivia@example.com");
            await Flows.WaitForLiveSamplesAsync(page, changes: 1); // System is allowed for Sre/OnCall, and live
            var me = await page.APIRequest.GetAsync("/api/v1/me");
            Assert.Contains("\"roles\":[\"OnCall\",\"Sre\"]", await me.TextAsync(), StringComparison.Ordinal);
            session.Log.AssertClean();
        }
        finally
        {
            ConsoleProcess.DeleteDataDirectory(dataDirectory);
        }
    }
}
