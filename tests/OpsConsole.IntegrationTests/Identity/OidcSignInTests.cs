using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Identity.External;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.TestOidcProvider;
using OpsConsole.Web.Api;
using OpsConsole.Web.Features.Identity;

namespace OpsConsole.IntegrationTests.Identity;

/// <summary>
/// The authorization-code flow through Microsoft.Identity.Web against a real OpenID Connect provider (OpenIddict)
/// on loopback: provider sign-in form, code redemption, role mapping, and the provider's access tokens on /api/v1.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class OidcSignInTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    private const string ClientId = "opsconsole";
    private const string ClientSecret = "integration-test-client-secret";
    private LocalOidcProvider _provider = default!;

    protected override async Task<TestConsole> StartConsoleAsync()
    {
        _provider = await LocalOidcProvider.StartAsync();
        _provider.SetUser(new ProviderUser("sub-alice", "alice@example.com", "alice-password", "Alice Example", ["ops-admins", "Sre"]));
        _provider.SetUser(new ProviderUser("sub-bob", "bob@example.com", "bob-password", "Bob Example", ["marketing"]));
        _provider.SetUser(new ProviderUser("sub-vera", "vera@example.com", "vera-password", "Vera Viewer", ["ops-readers"]));
        var console = await TestConsole.StartAsync(Postgres.SharedConnectionString, OidcSettings(_provider));
        await _provider.RegisterClientAsync(ClientId, ClientSecret, new Uri(console.BaseAddress, "/signin-oidc"));
        return console;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _provider.DisposeAsync();
    }

    internal static Dictionary<string, string?> OidcSettings(LocalOidcProvider provider) => new()
    {
        ["Authentication:Oidc:DisplayName"] = "Test IdP",
        ["Authentication:Oidc:Authority"] = provider.Issuer.ToString(),
        ["Authentication:Oidc:ClientId"] = ClientId,
        ["Authentication:Oidc:ClientSecret"] = ClientSecret,
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
        ["Authentication:Oidc:RoleClaimType"] = LocalOidcProvider.GroupsClaim,
        ["Authentication:Oidc:RoleMap:ops-admins"] = "Admin",
        ["Authentication:Oidc:RoleMap:ops-oncall"] = "Sre,OnCall",
        ["Authentication:Oidc:RoleMap:ops-readers"] = "Viewer",
    };

    [Fact]
    public async Task Sign_in_with_the_provider_creates_a_linked_account_with_the_mapped_roles()
    {
        var (client, final) = await SignInWithProviderAsync("alice@example.com", "alice-password");

        Assert.Equal("/", final);
        var me = await client.GetFromJsonAsync<MeResponse>(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal("alice@example.com", me!.UserName);
        Assert.Equal(["Admin", "Sre"], me.Roles); // "ops-admins" through the map, "Sre" as a role name
        // A provider sign-in is an ordinary console session: listed, and endable like any other.
        var sessions = await client.GetFromJsonAsync<List<SessionSummary>>(new Uri("/api/v1/me/sessions", UriKind.Relative));
        Assert.True(Assert.Single(sessions!).Current);

        await using var scope = Console.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        var user = await users.FindByLoginAsync(ExternalSignInService.LoginProvider, "sub-alice");
        Assert.NotNull(user);
        Assert.Equal("Alice Example", user.DisplayName);
        Assert.NotNull(user.LastSignInAt);
        Assert.False(await users.HasPasswordAsync(user)); // no local password: the provider is the only way in
    }

    [Fact]
    public async Task A_role_removed_at_the_provider_is_gone_at_the_next_sign_in_and_older_sessions_end()
    {
        var (first, _) = await SignInWithProviderAsync("alice@example.com", "alice-password");
        Assert.Contains("Admin", (await first.GetFromJsonAsync<MeResponse>(new Uri("/api/v1/me", UriKind.Relative)))!.Roles);

        _provider.SetUser(new ProviderUser("sub-alice", "alice@example.com", "alice-password", "Alice Example", ["ops-oncall"]));
        var (second, _) = await SignInWithProviderAsync("alice@example.com", "alice-password");

        var me = await second.GetFromJsonAsync<MeResponse>(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(["OnCall", "Sre"], me!.Roles);
        using var users = await second.GetAsync(new Uri("/api/v1/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, users.StatusCode);
        // The session opened while she was Admin carries the old roles; the role change ended it.
        using var stale = await first.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }

    [Fact]
    public async Task An_administrator_sees_provider_accounts_as_such_and_cannot_give_them_a_password_or_local_roles()
    {
        await SignInWithProviderAsync("alice@example.com", "alice-password");
        var adminToken = await Console.CreateTokenForNewUserAsync("root", ConsoleRoles.Admin);
        using var admin = Console.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        var listed = await admin.GetFromJsonAsync<List<Core.Identity.Users.UserSummary>>(new Uri("/api/v1/users", UriKind.Relative));
        var alice = Assert.Single(listed!, u => u.UserName == "alice@example.com");
        Assert.Equal("Test IdP", alice.SignsInWith);
        Assert.Null(Assert.Single(listed!, u => u.UserName == "root").SignsInWith);

        using var reset = await admin.PostAsync(new Uri($"/api/v1/users/{alice.Id}/reset-password", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reset.StatusCode);
        Assert.Contains("signs in through the identity provider", await reset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var roles = await admin.PutAsJsonAsync(new Uri($"/api/v1/users/{alice.Id}/roles", UriKind.Relative), new { roles = new[] { "Viewer" } });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, roles.StatusCode);
        Assert.Contains("come from the identity provider", await roles.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_without_a_mapped_role_is_turned_away_with_a_reason_and_no_session()
    {
        var (client, final) = await SignInWithProviderAsync("bob@example.com", "bob-password");

        Assert.Equal("/account/login?error=no-role", final);
        var page = await client.GetStringAsync(new Uri(final, UriKind.Relative));
        Assert.Contains("has no role in this console", page, StringComparison.Ordinal);
        using var me = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task A_disabled_console_account_cannot_sign_in_through_the_provider()
    {
        await SignInWithProviderAsync("alice@example.com", "alice-password");
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var alice = await users.FindByLoginAsync(ExternalSignInService.LoginProvider, "sub-alice");
            await users.SetLockoutEndDateAsync(alice!, DateTimeOffset.UtcNow.AddYears(100));
        }

        var (_, final) = await SignInWithProviderAsync("alice@example.com", "alice-password");
        Assert.Equal("/account/login?error=disabled", final);
    }

    [Fact]
    public async Task The_providers_access_token_is_accepted_on_the_api_with_mapped_roles()
    {
        var token = await _provider.GetAccessTokenAsync(ClientId, ClientSecret, "vera@example.com", "vera-password");
        using var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await client.GetFromJsonAsync<MeResponse>(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal("vera@example.com", me!.UserName);
        Assert.Equal(["Viewer"], me.Roles);
        Assert.Equal("oidc-bearer", me.AuthenticationMethod);

        using var forbidden = await client.GetAsync(new Uri("/api/v1/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_token_without_a_console_role_or_with_a_bad_signature_gets_401_problem_json()
    {
        var noRole = await _provider.GetAccessTokenAsync(ClientId, ClientSecret, "bob@example.com", "bob-password");
        var tampered = noRole[..^4] + (noRole.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        foreach (var (token, expected) in new[] { (noRole, "no value that maps to a console role"), (tampered, "rejected") })
        {
            using var client = Console.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_access_token_issued_to_another_application_is_rejected()
    {
        await _provider.RegisterClientAsync("other-app", "other-secret", new Uri("http://127.0.0.1:1/callback"));
        var foreign = await _provider.GetAccessTokenAsync("other-app", "other-secret", "vera@example.com", "vera-password");
        using var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", foreign);

        using var response = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Console_api_tokens_still_work_beside_the_provider()
    {
        var token = await Console.CreateTokenForNewUserAsync("script", ConsoleRoles.Sre);
        using var client = Console.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await client.GetFromJsonAsync<MeResponse>(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal("api-token", me!.AuthenticationMethod);
    }

    /// <summary>
    /// What the browser does: the console's "Sign in with" form, the provider's sign-in form, the code redirect back
    /// to /signin-oidc and the console's callback. Returns the client and the console path it finally lands on.
    /// </summary>
    private async Task<(HttpClient Client, string FinalPath)> SignInWithProviderAsync(string userName, string password)
    {
        var cookies = new CookieContainer();
        var client = Console.CreateClient(cookies);
        var loginPage = await client.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        Assert.Contains("Sign in with Test IdP", loginPage, StringComparison.Ordinal);
        var antiforgery = WebUtility.HtmlDecode(OidcFormToken().Match(loginPage).Groups["value"].Value);
        using var start = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = antiforgery,
            ["returnUrl"] = "/",
        });
        var response = await client.PostAsync(new Uri("/account/external-login", UriKind.Relative), start);

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies });
        for (var hop = 0; hop < 12; hop++)
        {
            if (response.StatusCode == HttpStatusCode.OK && response.RequestMessage!.RequestUri!.AbsolutePath == "/login")
            {
                // The provider's own sign-in form.
                var returnUrl = WebUtility.HtmlDecode(ProviderReturnUrl().Match(await response.Content.ReadAsStringAsync()).Groups["value"].Value);
                using var form = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["username"] = userName,
                    ["password"] = password,
                    ["returnUrl"] = returnUrl,
                });
                var target = new Uri(_provider.Issuer, "/login");
                response.Dispose();
                response = await browser.PostAsync(target, form);
                continue;
            }

            Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found,
                $"unexpected {(int)response.StatusCode} at {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}");
            var location = response.Headers.Location!;
            var next = location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
            response.Dispose();
            if (next.Authority == Console.BaseAddress.Authority
                && !next.AbsolutePath.StartsWith("/signin-oidc", StringComparison.Ordinal)
                && !next.AbsolutePath.StartsWith("/account/external-callback", StringComparison.Ordinal))
            {
                return (client, next.PathAndQuery);
            }

            response = await browser.GetAsync(next);
        }

        Assert.Fail("the sign-in did not come back to the console within 12 hops");
        return default;
    }

    [GeneratedRegex("""data-testid="oidc-form".*?name="__RequestVerificationToken"[^>]*?value="(?<value>[^"]+)""", RegexOptions.Singleline)]
    private static partial Regex OidcFormToken();

    [GeneratedRegex("""name="returnUrl" value="(?<value>[^"]*)""")]
    private static partial Regex ProviderReturnUrl();
}
