using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Access;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Identity;

/// <summary><c>Authentication:LocalAccounts:Enabled=false</c>: the provider is the only way in.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LocalAccountsSwitchTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    // Discovery is fetched only when someone starts a provider sign-in, so no provider needs to run here.
    private static Dictionary<string, string?> ProviderOnly() => new()
    {
        ["Authentication:Oidc:DisplayName"] = "Contoso",
        ["Authentication:Oidc:Authority"] = "http://127.0.0.1:9/",
        ["Authentication:Oidc:ClientId"] = "opsconsole",
        ["Authentication:Oidc:ClientSecret"] = "unused",
        ["Authentication:Oidc:RequireHttpsMetadata"] = "false",
        ["Authentication:LocalAccounts:Enabled"] = "false",
    };

    protected override Task<TestConsole> StartConsoleAsync() => TestConsole.StartAsync(Postgres.SharedConnectionString, ProviderOnly());

    [Fact]
    public async Task The_sign_in_page_offers_only_the_provider_and_a_local_password_post_is_refused()
    {
        var otp = await Console.CreateUserAsync("local-sre", ConsoleRoles.Sre);
        using var client = Console.CreateClient();

        using var pageResponse = await client.GetAsync(new Uri("/account/login", UriKind.Relative));
        var page = await pageResponse.Content.ReadAsStringAsync();
        // The form's redirect to the provider must pass the CSP: its origin is allowed for form-action, nothing else is.
        Assert.Contains("form-action 'self' http://127.0.0.1:9;", pageResponse.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("Sign in with Contoso", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"password\"", page, StringComparison.Ordinal);

        // A hand-made POST of the local form gets nowhere, even with the right password: the form does not exist.
        using var response = await ConsoleSession.PostFormAsync(client, "/account/login", "login", new()
        {
            ["Input.UserName"] = "local-sre",
            ["Input.Password"] = otp.Password,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("opsconsole.auth", StringComparison.Ordinal)));
        using var me = await client.GetAsync(new Uri("/api/v1/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
    }

    [Fact]
    public async Task No_bootstrap_admin_password_is_made_when_local_accounts_are_off()
    {
        Assert.False(File.Exists(Path.Combine(Console.DataDirectory, "initial-admin-password")));
        await using var scope = Console.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ConsoleUser>>();
        Assert.Null(await users.FindByNameAsync("admin"));
    }

    [Fact]
    public async Task Turning_local_accounts_off_without_a_provider_stops_the_console_at_startup_naming_the_keys()
    {
        var settings = ProviderOnly();
        settings.Remove("Authentication:Oidc:ClientId");

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestConsole.StartAsync(Postgres.SharedConnectionString, settings));

        Assert.Contains("Authentication:LocalAccounts:Enabled=false needs Authentication:Oidc", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_role_map_naming_an_unknown_role_stops_the_console_at_startup()
    {
        var settings = ProviderOnly();
        settings["Authentication:Oidc:RoleMap:ops-admins"] = "Administrator";

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => TestConsole.StartAsync(Postgres.SharedConnectionString, settings));

        Assert.Contains("RoleMap:ops-admins names unknown role 'Administrator'", failure.Message, StringComparison.Ordinal);
    }
}
